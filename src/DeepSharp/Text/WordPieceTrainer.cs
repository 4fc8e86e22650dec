namespace DeepSharp.Text;

/// <summary>
/// Learns <see cref="WordPieceTokenizer"/> pieces from word counts: the characters first (most frequent
/// first), then merges of the most frequent adjacent pair, each pass recounting the pairs of every
/// distinct word (a few seconds for a vocabulary of thousands over tens of thousands of distinct words).
/// </summary>
internal static class WordPieceTrainer
{
    /// <summary>The pieces in id order from id 1 ("[UNK]" not included): at most <paramref name="vocabularySize"/> − 1.</summary>
    public static List<string> Pieces(Dictionary<string, int> wordCounts, int vocabularySize, int minFrequency)
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
}
