namespace DeepSharp.Text;

/// <summary>
/// Learns <see cref="WordPieceTokenizer"/> pieces from word counts: the characters first (each as a word
/// start, or "##" and the character inside a word; the most frequent first), then
/// <see cref="PairMerger"/>'s merges, ties going to the merged piece that sorts first (as Hugging Face's
/// WordPiece trainer does).
/// </summary>
internal static class WordPieceTrainer
{
    /// <summary>The pieces in id order from id 1 ("[UNK]" not included): at most <paramref name="vocabularySize"/> − 1.</summary>
    public static List<string> Pieces(Dictionary<string, int> wordCounts, int vocabularySize, int minFrequency)
    {
        var pieces = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var alphabet = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (word, count) in wordCounts)
            for (int i = 0; i < word.Length; i++)
            {
                string piece = Piece(word, i);
                alphabet[piece] = alphabet.GetValueOrDefault(piece) + count;
            }
        foreach (var (piece, _) in alphabet.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            if (pieces.Count >= vocabularySize - 1) break;
            ids[piece] = pieces.Count;
            pieces.Add(piece);
        }
        // Each distinct word as its pieces' ids (words with a character left out of the alphabet take no part).
        var words = new List<List<int>>();
        var weights = new List<long>();
        foreach (var (word, count) in wordCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var symbols = new List<int>(word.Length);
            for (int i = 0; i < word.Length && ids.TryGetValue(Piece(word, i), out int id); i++) symbols.Add(id);
            if (symbols.Count == word.Length && symbols.Count > 1)
            {
                words.Add(symbols);
                weights.Add(count);
            }
        }
        PairMerger.Run(words, weights, pieces, ids, vocabularySize - 1, minFrequency, Merge, PairMerger.TieBreak.MergedOrdinal);
        return pieces;
    }

    /// <summary>The piece of word[i]: itself at the start, "##" and itself inside.</summary>
    private static string Piece(string word, int i) => i == 0 ? word[..1] : WordPieceTokenizer.ContinuationPrefix + word[i];

    /// <summary>"play" + "##ing" → "playing"; "##pl" + "##ay" → "##play".</summary>
    private static string Merge(string left, string right) => left + right[WordPieceTokenizer.ContinuationPrefix.Length..];
}
