namespace DeepSharp.Text;

/// <summary>
/// <see cref="SubwordTokenizer.Train"/>: the words split on whitespace, each as its characters with the
/// last marked <see cref="SubwordTokenizer.EndOfWord"/> (the alphabet in first-seen order), then
/// <see cref="PairMerger"/>'s merges, ties going to the pair of earlier symbols.
/// </summary>
internal static class SubwordTrainer
{
    public static SubwordTokenizer Train(IEnumerable<string> texts, int vocabularySize, int minFrequency)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
            foreach (string word in (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                counts[word] = counts.GetValueOrDefault(word) + 1;

        var symbols = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new List<List<int>>(counts.Count);
        var weights = new List<long>(counts.Count);
        foreach (var (word, count) in counts) // in first-seen order: deterministic
        {
            var sequence = new List<int>(word.Length);
            for (int i = 0; i < word.Length; i++)
            {
                int width = char.IsSurrogatePair(word, i) ? 2 : 1;
                string symbol = word.Substring(i, width) + (i + width == word.Length ? SubwordTokenizer.EndOfWord : "");
                if (!ids.TryGetValue(symbol, out int id))
                {
                    ids[symbol] = id = symbols.Count;
                    symbols.Add(symbol);
                }
                sequence.Add(id);
                i += width - 1;
            }
            words.Add(sequence);
            weights.Add(count);
        }
        var alphabet = symbols.ToArray();
        // Id 0 is [UNK]: the symbols may fill vocabularySize − 1 ids.
        var merges = PairMerger.Run(words, weights, symbols, ids, vocabularySize - 1, minFrequency, (a, b) => a + b, PairMerger.TieBreak.EarlierSymbols);
        return new SubwordTokenizer(alphabet, merges.Select(m => (symbols[m.Left], symbols[m.Right])));
    }
}
