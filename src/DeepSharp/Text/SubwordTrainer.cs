namespace DeepSharp.Text;

/// <summary>
/// <see cref="SubwordTokenizer.Train"/>'s merge loop over the distinct words and their counts. Pair
/// counts are kept up to date incrementally: a merge revisits only the words holding the pair, and a
/// priority queue with stale entries skipped finds the next most frequent pair, instead of recounting
/// every word for every merge (7,171 merges over the 6,046 whole SpamAssassin e-mails, headers included,
/// took 68 s of CPU time on a shared Zen 5).
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
                sequence.Add(Intern(word.Substring(i, width) + (i + width == word.Length ? SubwordTokenizer.EndOfWord : "")));
                i += width - 1;
            }
            words.Add(sequence);
            weights.Add(count);
        }
        var alphabet = symbols.ToArray();

        var pairCounts = new Dictionary<(int, int), long>();
        var holders = new Dictionary<(int, int), HashSet<int>>();
        var queue = new PriorityQueue<(int, int), (long, int, int)>(); // most frequent first, then earlier symbols
        for (int w = 0; w < words.Count; w++) Count(w, +1);
        foreach (var (pair, count) in pairCounts) queue.Enqueue(pair, (-count, pair.Item1, pair.Item2));

        var merges = new List<(string, string)>();
        while (1 + symbols.Count < vocabularySize && queue.TryDequeue(out var pair, out var priority)) // id 0 is [UNK]
        {
            long count = pairCounts.GetValueOrDefault(pair);
            if (-priority.Item1 != count) continue; // stale: the count changed since this entry went in
            if (count < minFrequency) break;
            var (a, b) = pair;
            int merged = Intern(symbols[a] + symbols[b]);
            merges.Add((symbols[a], symbols[b]));
            var changed = new HashSet<(int, int)>();
            foreach (int w in holders[pair].ToArray())
            {
                Count(w, -1, changed);
                var sequence = words[w];
                for (int i = 0; i + 1 < sequence.Count; i++)
                    if (sequence[i] == a && sequence[i + 1] == b)
                    {
                        sequence[i] = merged;
                        sequence.RemoveAt(i + 1);
                    }
                Count(w, +1, changed);
            }
            foreach (var p in changed)
                if (pairCounts.TryGetValue(p, out long c) && c > 0) queue.Enqueue(p, (-c, p.Item1, p.Item2));
        }
        return new SubwordTokenizer(alphabet, merges);

        int Intern(string symbol)
        {
            if (ids.TryGetValue(symbol, out int id)) return id;
            ids[symbol] = symbols.Count;
            symbols.Add(symbol);
            return symbols.Count - 1;
        }

        // Adds (+1) or removes (−1) word w's pairs, weighted by its count; records the pairs touched.
        void Count(int w, int sign, HashSet<(int, int)>? changed = null)
        {
            var sequence = words[w];
            for (int i = 0; i + 1 < sequence.Count; i++)
            {
                var p = (sequence[i], sequence[i + 1]);
                long c = pairCounts.GetValueOrDefault(p) + sign * weights[w];
                if (c == 0) pairCounts.Remove(p);
                else pairCounts[p] = c;
                if (sign > 0) (holders.TryGetValue(p, out var set) ? set : holders[p] = []).Add(w);
                else if (holders.TryGetValue(p, out var set) && !ContainsLater(sequence, i, p)) set.Remove(w);
                changed?.Add(p);
            }
        }

        // Whether pair p occurs again in the sequence after position i (the word still holds it then).
        static bool ContainsLater(List<int> sequence, int i, (int, int) p)
        {
            for (int j = i + 1; j + 1 < sequence.Count; j++)
                if (sequence[j] == p.Item1 && sequence[j + 1] == p.Item2) return true;
            return false;
        }
    }
}
