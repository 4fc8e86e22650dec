using System.Diagnostics;
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
    /// Now a queue of pairs: well under a second. Long words are also no longer cached (a stream of
    /// distinct long words filled memory).
    /// </summary>
    [Fact]
    public void ALongWordOfOneRepeatedMergeIsNotQuadratic()
    {
        var tokenizer = new SubwordTokenizer(["a", "a</w>"], [("a", "a"), ("aa", "aa"), ("aaaa", "aaaa")]);
        Assert.Equal(NaiveEncode(new string('a', 999), tokenizer.Merges), tokenizer.Tokenize(new string('a', 999)));
        string word = new('a', 200_000);
        var clock = Stopwatch.StartNew();
        var ids = tokenizer.Tokenize(word);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"{clock.Elapsed.TotalSeconds:F1}s for one word of 200,000 characters");
        // 199,999 "a"s and "a</w>": 99,999 "aa" and an "a", then 49,999 "aaaa" and an "aa", then 24,999 "aaaaaaaa" and an "aaaa".
        Assert.Equal(24_999 + 4, ids.Count);
        Assert.Equal(["aaaa", "aa", "a"], ids.Skip(24_999).Take(3));
        Assert.Equal("a</w>", ids[^1]);
    }
}
