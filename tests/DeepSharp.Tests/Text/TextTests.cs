using DeepSharp.Text;

namespace DeepSharp.Tests.Text;

public class TextTests
{
    [Fact]
    public void ACharacterVocabularyLaysOutIdsAsKeras()
    {
        var vocabulary = CharVocabulary.Build(["abba", "cab"], ".");
        Assert.Equal(["", "[UNK]", ".", "a", "b", "c"], vocabulary.Tokens);
        Assert.Equal(6, vocabulary.VocabularySize);
        Assert.Equal([5, 3, 4, 1, 2], vocabulary.Encode("cabz."));
        Assert.Equal("cab[UNK].", vocabulary.Decode([5, 3, 4, 0, 1, 2]));
        Assert.Equal(2, vocabulary.SpecialIds["."]);
        Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Decode([6]));

        var again = CharVocabulary.FromJson(vocabulary.ToJson());
        Assert.Equal(vocabulary.Tokens, again.Tokens);
        Assert.Throws<DataFormatException>(() => CharVocabulary.FromJson("{\"specials\": 3}", "v.json"));
    }

    [Fact]
    public void Gpt2AndCl100kBpeRoundTripText()
    {
        const string text = "DeepSharp trains Transformers in C#.";
        foreach (var tokenizer in new[] { BpeTokenizer.Gpt2(), BpeTokenizer.Cl100kBase() })
        {
            var ids = tokenizer.Encode(text);
            Assert.InRange(ids.Count, 5, text.Length - 1); // merges: fewer tokens than characters
            Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabularySize - 1));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
        Assert.Equal(50257, BpeTokenizer.Gpt2().VocabularySize);
        Assert.Equal(100277, BpeTokenizer.Cl100kBase().VocabularySize);
        Assert.Equal([15496, 995], BpeTokenizer.Gpt2().Encode("Hello world")); // GPT-2's published ids
    }

    [Fact]
    public void TextVectorizerLearnsByFrequencyPadsAndTruncates()
    {
        var vectorizer = new TextVectorizer(maxTokens: 5, outputSequenceLength: 4).Adapt(["The cat, the dog.", "THE cat sat", "a bird"]);
        Assert.Equal(["", "[UNK]", "the", "cat", "a"], vectorizer.Vocabulary); // a < bird < dog < sat in ordinal order among ties
        var ids = vectorizer.Vectorize(["the cat sat on the mat", "cat"]);
        Assert.Equal(new DeepSharp.Tensors.Shape(2, 4), ids.Shape);
        Assert.Equal([2, 3, 1, 1, 3, 0, 0, 0], ids.ToIntArray());
        Assert.Equal("the cat [UNK] [UNK]", vectorizer.Decode(ids.ToIntArray()[..4]));
        Assert.Throws<InvalidOperationException>(() => new TextVectorizer().Ids("x"));
    }

    [Fact]
    public void TextVectorizerWithATokenizerKeepsZeroForPadding()
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 6, standardize: Standardize.None, tokenizer: BpeTokenizer.Gpt2());
        var ids = vectorizer.Vectorize(["Hello world"]).ToIntArray();
        Assert.Equal([15497, 996, 0, 0, 0, 0], ids);
        Assert.Equal("Hello world", vectorizer.Decode(ids));
        Assert.Equal(50258, vectorizer.VocabularySize);
        var characters = new TextVectorizer(split: Split.Character, standardize: Standardize.None).Adapt(["abca"]);
        Assert.Equal([2, 3, 4, 2], characters.Ids("abca"));
    }
}
