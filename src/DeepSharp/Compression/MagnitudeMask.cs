using DeepSharp.Nn;

namespace DeepSharp.Compression;

/// <summary>Magnitude pruning: the masks that zero the smallest |w| of a group of weights.</summary>
internal static class MagnitudeMask
{
    /// <summary>
    /// Sets the masks of <paramref name="group"/> (pooled together) so that exactly
    /// n − round(n·(1 − sparsity)) weights are pruned (tfmot's count, rounding half to even): the
    /// smallest magnitudes, ties broken by position (the group's order, then the element's index),
    /// so the result does not depend on the sort. Pruned weights are zeroed.
    /// </summary>
    public static void Update(IReadOnlyList<Parameter> group, float sparsity)
    {
        long n = 0;
        foreach (var p in group) n += p.Value.Size;
        long keep = (long)Math.Round(n * (1.0 - sparsity), MidpointRounding.ToEven);
        long prune = n - keep;
        if (n >= int.MaxValue) throw new DeepSharpException($"Pruning: {n} weights in one group is more than one sort handles; prune per layer.");
        // Non-negative floats order as their bit patterns: (bits, position) packed in a long sorts by
        // magnitude, then position, with no comparer and no ties.
        var keys = new long[n];
        int at = 0;
        foreach (var p in group)
            foreach (float w in p.Value.Span)
            {
                keys[at] = ((long)BitConverter.SingleToInt32Bits(MathF.Abs(w)) << 32) | (uint)at;
                at++;
            }
        Array.Sort(keys);
        var pruned = new bool[n];
        for (long i = 0; i < prune; i++) pruned[(int)(keys[i] & 0xFFFFFFFF)] = true;
        at = 0;
        foreach (var p in group)
        {
            var mask = p.PruningMask!.Span;
            var w = p.Value.Span;
            for (int i = 0; i < mask.Length; i++, at++)
            {
                mask[i] = pruned[at] ? 0f : 1f;
                if (pruned[at]) w[i] = 0f;
            }
        }
    }
}
