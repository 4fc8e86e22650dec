using DeepSharp.Text;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Time bounds of the tokenizers on hostile text (hostile2): a request's text is any string up to the
/// body limit, and a vectorizer file may hold any vocabulary within its limits.
/// </summary>
public sealed class TokenizerTimeTests
{
    /// <summary>The reference: merge the earliest-learned pair present, leftmost first, rescanning the word after each merge.</summary>
    private static List<string> NaiveEncode(string word, IReadOnlyList<(string Left, string Right)> merges)
    {
        var symbols = word.Select((c, i) => c + (i == word.Length - 1 ? SubwordTokenizer.EndOfWord : "")).ToList();
        var rank = new Dictionary<(string, string), int>();
        for (int r = 0; r < merges.Count; r++) rank.TryAdd(merges[r], r);
        while (symbols.Count > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
                if (rank.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank) (best, bestRank) = (i, r);
            if (best < 0) break;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
        return symbols;
    }

    [Fact]
    public void SubwordMergesMatchTheRescanningReference()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 40; trial++)
        {
            // Random merges over a three-letter alphabet, each joining two symbols the alphabet or an earlier merge made.
            var symbols = new List<string> { "a", "b", "c", "a</w>", "b</w>", "c</w>" };
            var merges = new List<(string, string)>();
            var seen = new HashSet<(string, string)>();
            for (int m = 0; m < 30; m++)
            {
                var pair = (symbols[random.Next(symbols.Count)], symbols[random.Next(symbols.Count)]);
                if (pair.Item1.EndsWith("</w>", StringComparison.Ordinal) || !seen.Add(pair)) continue;
                merges.Add(pair);
                if (!symbols.Contains(pair.Item1 + pair.Item2)) symbols.Add(pair.Item1 + pair.Item2);
            }
            var tokenizer = new SubwordTokenizer(["a", "b", "c", "a</w>", "b</w>", "c</w>"], merges);
            for (int w = 0; w < 25; w++)
            {
                string word = new([.. Enumerable.Range(0, 1 + random.Next(40)).Select(_ => "abc"[random.Next(random.Next(2) == 0 ? 1 : 3)])]);
                Assert.Equal(NaiveEncode(word, merges), tokenizer.Tokenize(word));
            }
        }
    }

    /// <summary>
    /// Finding: the subword tokenizer rescanned the whole word after every merge, so one long word was
    /// quadratic: 200,000 "a"s with the merges ("a", "a") and ("aa", "aa") took minutes (a 4 MB request, hours).
    /// Now a queue of pairs. Long words are also no longer cached (a stream of distinct long words filled memory).
    /// The check is on growth, in the thread's CPU time, so load cannot fail it: 8 times the word costs about 8
    /// times the time (n log n: ~9.5); the rescanning tokenizer took 64 times as long.
    /// </summary>
    [Fact]
    public void ALongWordOfOneRepeatedMergeIsNotQuadratic()
    {
        var tokenizer = new SubwordTokenizer(["a", "a</w>"], [("a", "a"), ("aa", "aa"), ("aaaa", "aaaa")]);
        Assert.Equal(NaiveEncode(new string('a', 999), tokenizer.Merges), tokenizer.Tokenize(new string('a', 999)));
        string word = new('a', 200_000);
        var ids = tokenizer.Tokenize(word);
        // 199,999 "a"s and "a</w>": 99,999 "aa" and an "a", then 49,999 "aaaa" and an "aa", then 24,999 "aaaaaaaa" and an "aaaa".
        Assert.Equal(24_999 + 4, ids.Count);
        Assert.Equal(["aaaa", "aa", "a"], ids.Skip(24_999).Take(3));
        Assert.Equal("a</w>", ids[^1]);

        string eighth = new('a', 25_000);
        double small = ThreadCpuTime.Least(() => tokenizer.Tokenize(eighth));
        double large = ThreadCpuTime.Least(() => tokenizer.Tokenize(word));
        Assert.True(large < 24 * small, $"8 times the characters took {large / small:F1} times the CPU time ({small * 1e3:F1} ms → {large * 1e3:F1} ms); linear is ~8, quadratic 64");
    }

    /// <summary>The reference WordPiece cut: at each position the longest vocabulary string, "##"-prefixed after the first; [UNK] (0) for the word if none.</summary>
    private static List<int> NaiveCut(string word, IReadOnlyList<string> pieces, int maxCharacters)
    {
        if (word.Length > maxCharacters) return [0];
        var ids = new List<int>();
        for (int start = 0; start < word.Length;)
        {
            int found = -1, end = word.Length;
            for (; end > start; end--)
            {
                string candidate = (start > 0 ? "##" : "") + word[start..end];
                found = Enumerable.Range(1, pieces.Count - 1).FirstOrDefault(i => pieces[i] == candidate, -1);
                if (found > 0) break;
            }
            if (found <= 0) return [0];
            ids.Add(found);
            start = end;
        }
        return ids;
    }

    [Fact]
    public void WordPieceCutsMatchTheLongestMatchReference()
    {
        var random = new Random(23);
        for (int trial = 0; trial < 30; trial++)
        {
            var pieces = new HashSet<string>(StringComparer.Ordinal);
            for (int p = 0; p < 25; p++)
            {
                string text = new([.. Enumerable.Range(0, 1 + random.Next(5)).Select(_ => "abc"[random.Next(3)])]);
                pieces.Add(random.Next(2) == 0 ? "##" + text : text);
            }
            int maxCharacters = 3 + random.Next(10);
            var tokenizer = new WordPieceTokenizer(pieces, maxCharacters);
            for (int w = 0; w < 30; w++)
            {
                string word = new([.. Enumerable.Range(0, 1 + random.Next(14)).Select(_ => "abc"[random.Next(3)])]);
                Assert.Equal(NaiveCut(word, tokenizer.Pieces, maxCharacters), tokenizer.Encode(word));
            }
        }
    }

    /// <summary>
    /// Finding: WordPiece looked each candidate length up as a string, so a start cost the sum of the
    /// lengths up to the longest piece: with pieces "b", "bb", ... up to 1,000 characters beside "a" and
    /// "##a" (max_characters_per_word 1,000, as a vectorizer file may say), each word of 1,000 "a"s hashed
    /// about 1.7 × 10⁸ characters (300 such words: 5 × 10¹⁰) — cubic in the length. Now one trie walk per start.
    /// The check is on growth, in the thread's CPU time, so load cannot fail it: words and pieces 4 times as
    /// long cost at most 16 times the time (the walk is at most quadratic); the string lookups took 64 times as long.
    /// </summary>
    [Fact]
    public void HostileWordPieceVocabulariesAreNotCubic()
    {
        static (WordPieceTokenizer Tokenizer, string Text) Hostile(int length, int words)
        {
            var pieces = new List<string> { "a", "##a" };
            for (int k = 2; k <= length; k++) pieces.Add(new string('a', k - 1) + "b"); // "a…ab": every prefix of a word of "a"s is a prefix of a piece
            return (new WordPieceTokenizer(pieces, WordPieceTokenizer.MaxWordLimit), string.Join(' ', Enumerable.Repeat(new string('a', length), words)));
        }

        var (tokenizer, text) = Hostile(1000, 300);
        var ids = tokenizer.Encode(text);
        Assert.Equal(300_000, ids.Count);
        Assert.Equal([1, 2, 2], ids.Take(3));

        var (shortTokenizer, shortText) = Hostile(250, 40);
        var (longTokenizer, longText) = Hostile(1000, 40);
        double small = ThreadCpuTime.Least(() => shortTokenizer.Encode(shortText));
        double large = ThreadCpuTime.Least(() => longTokenizer.Encode(longText));
        Assert.True(large < 32 * small, $"words 4 times as long took {large / small:F1} times the CPU time ({small * 1e3:F1} ms → {large * 1e3:F1} ms); at most quadratic is ≤ 16, cubic 64");
    }

    [Fact]
    public void AVocabularyOfTooManyPrefixesIsRefused()
    {
        var pieces = Enumerable.Range(0, 3000).Select(i => i.ToString("D4") + new string('x', 996)); // 3,000 × ~1,000 distinct prefixes
        var e = Assert.Throws<ArgumentException>(() => new WordPieceTokenizer(pieces, WordPieceTokenizer.MaxWordLimit));
        Assert.Contains("distinct prefixes", e.Message);
    }
}
