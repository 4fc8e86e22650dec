namespace DeepSharp.Distributed;

/// <summary>
/// The one summation order of a global batch's chunk gradients, whatever the number of ranks: a
/// binary tree over the chunks 0..K−1 in which a node [lo, hi) of n &gt; 1 chunks adds its left
/// child [lo, lo + p) and its right child [lo + p, hi), p being the largest power of two below n.
/// The tree depends on K only. A rank holding chunks [a, b) sums the largest nodes inside its range
/// (<see cref="Cover(int, int, int)"/>) in this order; whoever then adds those nodes up the tree gets the same bits
/// as one process summing all K alone, because every node is always the same additions in the same
/// order (IEEE addition is commutative, so l + r and r + l agree).
/// </summary>
internal static class ChunkTree
{
    /// <summary>Where node [lo, hi) splits: lo + the largest power of two below hi − lo (hi − lo ≥ 2).</summary>
    public static int Split(int lo, int hi) => lo + (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(hi - lo)) / 2;

    /// <summary>
    /// The maximal tree nodes inside [a, b), left to right: the partial sums a rank holding those
    /// chunks contributes. Empty when a ≥ b.
    /// </summary>
    public static List<(int Lo, int Hi)> Cover(int chunks, int a, int b)
    {
        var nodes = new List<(int, int)>();
        if (a < b) Cover(0, chunks, a, b, nodes);
        return nodes;
    }

    private static void Cover(int lo, int hi, int a, int b, List<(int, int)> nodes)
    {
        if (hi <= a || b <= lo) return;
        if (a <= lo && hi <= b)
        {
            nodes.Add((lo, hi));
            return;
        }
        int mid = Split(lo, hi);
        Cover(lo, mid, a, b, nodes);
        Cover(mid, hi, a, b, nodes);
    }

    /// <summary>The depth of the tree over <paramref name="chunks"/> leaves (0 for one leaf).</summary>
    public static int Depth(int chunks) => chunks <= 1 ? 0 : System.Numerics.BitOperations.Log2(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)chunks));

    /// <summary>The chunks of rank <paramref name="rank"/> of <paramref name="ranks"/>: a contiguous, balanced share, [K·r/W, K·(r+1)/W).</summary>
    public static (int Start, int End) Share(int chunks, int rank, int ranks) =>
        ((int)((long)chunks * rank / ranks), (int)((long)chunks * (rank + 1) / ranks));
}
