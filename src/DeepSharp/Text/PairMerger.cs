namespace DeepSharp.Text;

/// <summary>
/// The merge loop both subword trainers share (BPE's <see cref="SubwordTrainer"/> and WordPiece's
/// <see cref="WordPieceTrainer"/>): words as sequences of symbol ids with their counts, the most frequent
/// adjacent pair merged into one symbol again and again. Pair counts are kept up to date incrementally: a
/// merge revisits only the words holding the pair, and a priority queue with stale entries skipped finds
/// the next pair, instead of recounting every word for every merge (7,171 BPE merges over the 6,046 whole
/// SpamAssassin e-mails, headers included, took 68 s of CPU time on a shared Zen 5). The trainers differ
/// only in how a merged symbol is spelled and in <see cref="TieBreak"/>, the scoring rule among equally
/// frequent pairs.
/// </summary>
internal static class PairMerger
{
    /// <summary>Which of the equally frequent pairs is merged first.</summary>
    public enum TieBreak
    {
        /// <summary>BPE: the pair of earlier symbols (lower ids: earlier seen, or made by an earlier merge).</summary>
        EarlierSymbols,

        /// <summary>WordPiece (as Hugging Face's trainer): the pair whose merged symbol sorts first, ordinal.</summary>
        MergedOrdinal,
    }

    /// <summary>
    /// Merges pairs of <paramref name="words"/>' symbols until <paramref name="symbols"/> holds
    /// <paramref name="maxSymbols"/> symbols or no pair occurs <paramref name="minFrequency"/> times; a merge whose
    /// spelling (<paramref name="join"/>) is already a symbol reuses it. Returns the merges in order.
    /// </summary>
    /// <param name="words">Each distinct word's symbol ids (changed in place).</param>
    /// <param name="weights">How often each word occurs.</param>
    /// <param name="symbols">The alphabet on entry; the merged symbols are appended.</param>
    /// <param name="ids">Each symbol's id (index in <paramref name="symbols"/>); kept in step.</param>
    /// <param name="maxSymbols">Stop when <paramref name="symbols"/> holds this many.</param>
    /// <param name="minFrequency">Stop when the most frequent pair occurs fewer times (counting repeated words).</param>
    /// <param name="join">The spelling of a merged pair ("lo" + "w" → "low"; WordPiece drops the right piece's "##").</param>
    /// <param name="tie">The scoring rule among equally frequent pairs.</param>
    public static List<(int Left, int Right)> Run(List<List<int>> words, IReadOnlyList<long> weights, List<string> symbols, Dictionary<string, int> ids,
        int maxSymbols, int minFrequency, Func<string, string, string> join, TieBreak tie)
    {
        var pairCounts = new Dictionary<(int, int), long>();
        var holders = new Dictionary<(int, int), HashSet<int>>();
        // Most frequent first, then the tie-break: earlier symbols, or the merged spelling (then the symbols, for a total order).
        var queue = new PriorityQueue<(int A, int B), (long NegativeCount, string? Merged, int A, int B)>(Comparer<(long, string?, int, int)>.Create((x, y) =>
        {
            int c = x.Item1.CompareTo(y.Item1);
            if (c == 0) c = string.CompareOrdinal(x.Item2, y.Item2);
            if (c == 0) c = x.Item3.CompareTo(y.Item3);
            return c != 0 ? c : x.Item4.CompareTo(y.Item4);
        }));
        void Enqueue((int A, int B) p, long count) =>
            queue.Enqueue(p, (-count, tie == TieBreak.MergedOrdinal ? join(symbols[p.A], symbols[p.B]) : null, p.A, p.B));

        for (int w = 0; w < words.Count; w++) Count(w, +1);
        foreach (var (pair, count) in pairCounts) Enqueue(pair, count);

        var merges = new List<(int, int)>();
        while (symbols.Count < maxSymbols && queue.TryDequeue(out var pair, out var priority))
        {
            long count = pairCounts.GetValueOrDefault(pair);
            if (-priority.NegativeCount != count) continue; // stale: the count changed since this entry went in
            if (count < minFrequency) break;
            var (a, b) = pair;
            string spelling = join(symbols[a], symbols[b]);
            if (!ids.TryGetValue(spelling, out int merged))
            {
                merged = symbols.Count;
                ids[spelling] = merged;
                symbols.Add(spelling);
            }
            merges.Add(pair);
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
                if (pairCounts.TryGetValue(p, out long c) && c > 0) Enqueue(p, c);
        }
        return merges;

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
