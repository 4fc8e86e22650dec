using DeepSharp.Text;

namespace DeepSharp.Tests.Text;

/// <summary>WordPiece: BERT's greedy longest-match cutting, [UNK] words, the basic split, decoding, and training pieces from texts.</summary>
public class WordPieceTokenizerTests
{
    private static readonly string[] BertPieces = ["un", "##aff", "##able", "aff", "able", "##a", "##f", "run", "##ning", "##n", ",", "!"];

    [Fact]
    public void CutsEachWordIntoTheLongestPiecesFromItsStart()
    {
        var tokenizer = new WordPieceTokenizer(BertPieces);
        Assert.Equal(13, tokenizer.VocabularySize);
        Assert.Equal("[UNK]", tokenizer.Pieces[0]);
        Assert.Equal([1, 2, 3], tokenizer.Encode("unaffable")); // un ##aff ##able (BERT's example)
        Assert.Equal([8, 9, 11, 1, 7], tokenizer.Encode("running, unf")); // "," its own word; "unf" → un ##f
        Assert.Equal([0, 12], tokenizer.Encode("xyz!")); // a word that no piece starts: [UNK], and the punctuation after it
        Assert.Equal([8, 0], tokenizer.Encode("run unx")); // un + nothing for x: the whole word is [UNK]
        Assert.Equal([], tokenizer.Encode("  \t\n"));
        Assert.Equal([0], new WordPieceTokenizer(BertPieces, maxCharactersPerWord: 5).Encode("unaffable"));
    }

    [Fact]
    public void DecodeJoinsContinuationsToTheirWord()
    {
        var tokenizer = new WordPieceTokenizer(BertPieces);
        Assert.Equal("unaffable running , [UNK] !", tokenizer.Decode(tokenizer.Encode("unaffable running, xyz!")));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([13]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("##")]
    [InlineData("[UNK]")]
    [InlineData("a b")]
    [InlineData("un")]
    public void RefusesBadPieces(string bad)
    {
        Assert.Throws<ArgumentException>(() => new WordPieceTokenizer([.. BertPieces, bad]));
    }

    [Fact]
    public void RefusesAWordLimitOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordPieceTokenizer(BertPieces, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordPieceTokenizer(BertPieces, WordPieceTokenizer.MaxWordLimit + 1));
    }

    private static readonly string[] Corpus =
    [
        "the players were playing and the player played",
        "replaying a play, then playing again!",
        "unplayable plays are rare; playful players replay",
    ];

    [Fact]
    public void TrainingLearnsWholeFrequentWordsAndSpellsEveryTrainingWord()
    {
        var tokenizer = WordPieceTokenizer.Train(Corpus, vocabularySize: 60);
        Assert.InRange(tokenizer.VocabularySize, 2, 60);
        Assert.Contains("play", tokenizer.Pieces);
        Assert.Equal(tokenizer.Pieces, WordPieceTokenizer.Train(Corpus, vocabularySize: 60).Pieces); // deterministic
        foreach (var text in Corpus)
        {
            var ids = tokenizer.Encode(text);
            Assert.DoesNotContain(0, ids); // every character was seen: no word is [UNK]
            Assert.Equal(string.Join(' ', WordPieceTokenizer.Words(text)), tokenizer.Decode(ids));
        }
        Assert.True(tokenizer.Encode("the players").Count < "theplayers".Length, "merges should make pieces longer than one character");
    }

    [Fact]
    public void PiecesAlwaysSpellTheWordTheyCut()
    {
        // A property over random words and a random vocabulary: the pieces of a word that is not [UNK]
        // put back together (without "##") are the word, and a [UNK] word has no cut from its pieces.
        var random = new Random(5);
        string letters = "abcde";
        string Word(int length) => new([.. Enumerable.Range(0, length).Select(_ => letters[random.Next(letters.Length)])]);
        var pieces = new HashSet<string>(StringComparer.Ordinal);
        while (pieces.Count < 40)
        {
            string piece = Word(1 + random.Next(3));
            pieces.Add(random.Next(2) == 0 ? piece : "##" + piece);
        }
        var tokenizer = new WordPieceTokenizer(pieces);
        for (int trial = 0; trial < 300; trial++)
        {
            string word = Word(1 + random.Next(8));
            var ids = tokenizer.Encode(word);
            if (ids is [0]) continue;
            Assert.DoesNotContain(0, ids);
            Assert.Equal(word, string.Concat(ids.Select((id, i) => i == 0 ? tokenizer.Pieces[id] : tokenizer.Pieces[id][2..])));
            Assert.False(tokenizer.Pieces[ids[0]].StartsWith("##", StringComparison.Ordinal));
            Assert.All(ids.Skip(1), id => Assert.StartsWith("##", tokenizer.Pieces[id]));
        }
    }

    [Fact]
    public void AVectorizerShiftsItsIdsSoThatZeroStaysPadding()
    {
        var tokenizer = WordPieceTokenizer.Train(Corpus, vocabularySize: 40);
        var vectorizer = new TextVectorizer(outputSequenceLength: 8, tokenizer: tokenizer);
        Assert.Equal(tokenizer.VocabularySize + 1, vectorizer.VocabularySize);
        Assert.Equal(tokenizer.Encode("the player").Select(i => i + 1), vectorizer.Ids("The player!")); // standardized first
        var row = vectorizer.Vectorize(["zzz"]).ToIntArray();
        Assert.Equal([1, 0, 0, 0, 0, 0, 0, 0], row); // [UNK], then padding
    }
}
