using DeepSharp.Text;

namespace DeepSharp.Tests.Text;

/// <summary>
/// WordPiece's trainer (the shared incremental merge loop, <c>PairMerger</c>) against a naive trainer that
/// recounts every pair of every word before each merge (the trainer as it was before the two were unified).
/// </summary>
public class WordPieceTrainerTests
{
    /// <summary>The reference: the pieces in id order from id 1, recounting every pair each step.</summary>
    internal static List<string> NaivePieces(Dictionary<string, int> wordCounts, int vocabularySize, int minFrequency)
    {
        var pieces = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        // The alphabet: each character as a word start and, inside words, as "##c"; the most frequent first.
        var alphabet = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (word, count) in wordCounts)
            for (int i = 0; i < word.Length; i++)
            {
                string piece = i == 0 ? word[..1] : WordPieceTokenizer.ContinuationPrefix + word[i];
                alphabet[piece] = alphabet.GetValueOrDefault(piece) + count;
            }
        foreach (var (piece, _) in alphabet.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            if (pieces.Count >= vocabularySize - 1) break;
            ids[piece] = pieces.Count;
            pieces.Add(piece);
        }
        // Each distinct word as its pieces' indices (words with a character left out of the alphabet take no part).
        var words = new List<(int[] Symbols, int Count)>();
        foreach (var (word, count) in wordCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var symbols = new int[word.Length];
            bool known = true;
            for (int i = 0; i < word.Length && known; i++)
                known = ids.TryGetValue(i == 0 ? word[..1] : WordPieceTokenizer.ContinuationPrefix + word[i], out symbols[i]);
            if (known && symbols.Length > 1) words.Add((symbols, count));
        }
        var pairs = new Dictionary<(int, int), long>();
        while (pieces.Count < vocabularySize - 1)
        {
            pairs.Clear();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Length; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairs[pair] = pairs.GetValueOrDefault(pair) + count;
                }
            (int A, int B) best = (-1, -1);
            long bestCount = 0;
            string? bestPiece = null;
            foreach (var (pair, count) in pairs)
            {
                if (count < bestCount || count < minFrequency) continue;
                string merged = Merge(pieces[pair.Item1], pieces[pair.Item2]);
                if (count > bestCount || string.CompareOrdinal(merged, bestPiece) < 0)
                    (best, bestCount, bestPiece) = (pair, count, merged);
            }
            if (bestPiece is null) break;
            if (!ids.TryGetValue(bestPiece, out int id))
            {
                id = pieces.Count;
                ids[bestPiece] = id;
                pieces.Add(bestPiece);
            }
            for (int w = 0; w < words.Count; w++)
                words[w] = (Replace(words[w].Symbols, best.A, best.B, id), words[w].Count);
            words.RemoveAll(w => w.Symbols.Length < 2);
        }
        return pieces;
    }

    /// <summary>"play" + "##ing" → "playing"; "##pl" + "##ay" → "##play".</summary>
    private static string Merge(string left, string right) => left + right[WordPieceTokenizer.ContinuationPrefix.Length..];

    private static int[] Replace(int[] symbols, int a, int b, int merged)
    {
        int count = 0;
        for (int i = 0; i + 1 < symbols.Length; i++)
            if (symbols[i] == a && symbols[i + 1] == b) { count++; i++; }
        if (count == 0) return symbols;
        var result = new int[symbols.Length - count];
        int j = 0;
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == a && symbols[i + 1] == b)
            {
                result[j++] = merged;
                i++;
            }
            else result[j++] = symbols[i];
        }
        return result;
    }

    [Fact]
    public void PiecesEqualANaiveTrainersOnRandomText()
    {
        var random = new Random(5);
        string[] syllables = ["ka", "ro", "mi", "ne", "a", "ss", "to", "ki", "é", "b"];
        for (int trial = 0; trial < 4; trial++)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < 150; i++)
            {
                string word = string.Concat(Enumerable.Range(0, 1 + random.Next(4)).Select(_ => syllables[random.Next(syllables.Length)]));
                counts[word] = counts.GetValueOrDefault(word) + 1 + random.Next(3);
            }
            foreach (int size in new[] { 2, 7, 20, 45, 97, 400 })
                foreach (int minFrequency in new[] { 1, 2, 5 })
                    Assert.Equal(NaivePieces(counts, size, minFrequency), WordPieceTrainer.Pieces(counts, size, minFrequency));
        }
    }

    [Fact]
    public void PiecesEqualANaiveTrainersOnRepeatsAndSingleLetters()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["aaaa"] = 3, ["aaa"] = 2, ["a"] = 9, ["ab"] = 1, ["ba"] = 4, ["bbbbb"] = 1 };
        foreach (int size in new[] { 2, 3, 4, 6, 9, 30 })
            Assert.Equal(NaivePieces(counts, size, 1), WordPieceTrainer.Pieces(counts, size, 1));
    }
}
