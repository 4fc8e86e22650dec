using DeepSharp.Text;

namespace DeepSharp.Tests.Text;

/// <summary>SubwordTokenizer: BPE merges learned from texts, against a naive trainer that recounts every pair each step.</summary>
public class SubwordTokenizerTests
{
    // Sennrich et al.'s toy corpus: low ×5, lower ×2, newest ×6, widest ×3.
    private static readonly string[] s_corpus =
        [.. Enumerable.Repeat("low", 5), .. Enumerable.Repeat("lower", 2), .. Enumerable.Repeat("newest", 6), .. Enumerable.Repeat("widest", 3)];

    /// <summary>The reference: recount every pair of every word before each merge.</summary>
    private static List<(string, string)> NaiveMerges(IEnumerable<string> texts, int vocabularySize, int minFrequency)
    {
        var words = new List<(List<string> Symbols, long Count)>();
        var alphabet = new List<string>();
        foreach (var group in texts.SelectMany(t => t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).GroupBy(w => w))
        {
            var symbols = group.Key.Select((c, i) => c + (i == group.Key.Length - 1 ? SubwordTokenizer.EndOfWord : "")).ToList();
            foreach (var s in symbols) if (!alphabet.Contains(s)) alphabet.Add(s);
            words.Add((symbols, group.Count()));
        }
        var order = new List<string>(alphabet);
        var merges = new List<(string, string)>();
        while (1 + order.Count < vocabularySize)
        {
            var counts = new Dictionary<(string, string), long>();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++) counts[(symbols[i], symbols[i + 1])] = counts.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => order.IndexOf(kv.Key.Item1)).ThenBy(kv => order.IndexOf(kv.Key.Item2)).First();
            if (best.Value < minFrequency) break;
            var (a, b) = best.Key;
            merges.Add((a, b));
            if (!order.Contains(a + b)) order.Add(a + b);
            foreach (var (symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == a && symbols[i + 1] == b) { symbols[i] = a + b; symbols.RemoveAt(i + 1); }
        }
        return merges;
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(12, 2)]
    [InlineData(15, 1)]
    [InlineData(20, 2)]
    [InlineData(40, 1)]
    public void MergesEqualANaiveTrainersOnTheToyCorpus(int vocabularySize, int minFrequency)
    {
        var tokenizer = SubwordTokenizer.Train(s_corpus, vocabularySize, minFrequency);
        Assert.Equal(NaiveMerges(s_corpus, vocabularySize, minFrequency), tokenizer.Merges);
        Assert.True(tokenizer.VocabularySize <= Math.Max(vocabularySize, 1 + tokenizer.Alphabet.Count));
    }

    [Fact]
    public void MergesEqualANaiveTrainersOnRandomText()
    {
        var random = new Random(3);
        string[] syllables = ["ka", "ro", "mi", "ne", "a", "ss", "to", "ki", "é", "𝔸"]; // an accent and a surrogate pair too
        var texts = Enumerable.Range(0, 60).Select(_ => string.Join(' ', Enumerable.Range(0, 8).Select(_ =>
            string.Concat(Enumerable.Range(0, 1 + random.Next(4)).Select(_ => syllables[random.Next(syllables.Length)]))))).ToArray();
        foreach (int size in new[] { 1 + 13, 30, 61, 97 })
        {
            var tokenizer = SubwordTokenizer.Train(texts, size);
            var naive = NaiveMerges(texts.Select(t => t.Replace("𝔸", "A", StringComparison.Ordinal)), size, 2);
            Assert.Equal(naive.Select(m => (Back(m.Item1), Back(m.Item2))), tokenizer.Merges);
            foreach (string text in texts.Take(10)) Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    private static string Back(string symbol) => symbol.Replace("A", "𝔸", StringComparison.Ordinal);

    [Fact]
    public void FrequentWordsAreOneTokenAndNewWordsAreSubwords()
    {
        var tokenizer = SubwordTokenizer.Train(s_corpus, vocabularySize: 40);
        Assert.Equal(["newest</w>"], tokenizer.Tokenize("newest"));
        Assert.Equal(["lo", "west</w>"], tokenizer.Tokenize("lowest")); // never seen: two known parts
        Assert.Equal("low lowest newer", tokenizer.Decode(tokenizer.Encode("low  lowest\nnewer")));
        var unknown = tokenizer.Encode("lox");
        Assert.Contains(0, unknown); // 'x' was never seen
        Assert.Equal("lo[UNK]", tokenizer.Decode(unknown));
    }

    [Fact]
    public void ATrainedTokenizerIsRebuiltFromItsAlphabetAndMerges()
    {
        var trained = SubwordTokenizer.Train(s_corpus, vocabularySize: 25);
        var rebuilt = new SubwordTokenizer(trained.Alphabet, trained.Merges);
        Assert.Equal(trained.Vocabulary, rebuilt.Vocabulary);
        Assert.Equal(trained.Encode("lowest wider"), rebuilt.Encode("lowest wider"));
        Assert.Throws<ArgumentException>(() => new SubwordTokenizer(["a</w>"], [("a", "b")]));
        Assert.Throws<ArgumentException>(() => new SubwordTokenizer(["a", "a"], []));
    }

    [Fact]
    public void ItFeedsATextVectorizer()
    {
        var tokenizer = SubwordTokenizer.Train(s_corpus, vocabularySize: 30);
        var vectorizer = new TextVectorizer(outputSequenceLength: 4, tokenizer: tokenizer);
        Assert.Equal(tokenizer.VocabularySize + 1, vectorizer.VocabularySize); // 0 is padding
        var ids = vectorizer.Vectorize(["Lowest!", "newest"]).IntSpan.ToArray();
        Assert.Equal(tokenizer.Encode("lowest").Select(i => i + 1).Concat([0, 0]), ids[..4]);
        Assert.Equal(0, ids[5]);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SubwordTokenizer.Train(s_corpus, vocabularySize: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubwordTokenizer.Train(s_corpus, vocabularySize: 10, minFrequency: 0));
        var tokenizer = SubwordTokenizer.Train(s_corpus, vocabularySize: 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabularySize]));
        Assert.Empty(SubwordTokenizer.Train([], 10).Merges);
    }
}
