using System.Numerics.Tensors;

namespace DeepSharp.Distributed;

/// <summary>
/// Sums a global batch's chunk gradients over the ranks in <see cref="ChunkTree"/>'s fixed order,
/// so the result has the same bits for any number of ranks. Each rank computes the gradients of
/// its share of the chunks (one callback per chunk, into a flat span of the model's trainable
/// values), adds them up to the largest tree nodes inside its share, and the ranks exchange those
/// node sums with one all-gather; every rank then adds the nodes up the tree to the root.
/// Cost per step and rank: one all-gather of (at most a few) × P floats — with K a power of two
/// and W dividing it, exactly one node of P floats per rank (as many bytes as a ring all-reduce for
/// two ranks) — plus K·P/W copies and additions, where P is the number of trainable values.
/// </summary>
internal sealed class DeterministicReducer(Communicator communicator, int length)
{
    private float[] _send = [], _receive = [];
    private readonly List<float[]> _scratch = [];

    /// <summary>Floats per gradient (the model's trainable values).</summary>
    public int Length { get; } = length;

    /// <summary>
    /// The global gradient of <paramref name="chunks"/> chunks into <paramref name="result"/>:
    /// <paramref name="computeChunk"/>(k, destination) is called for this rank's chunks in order and
    /// must write chunk k's gradient (already scaled to its share of the global mean) into destination.
    /// </summary>
    public void Reduce(int chunks, Action<int, Span<float>> computeChunk, Span<float> result)
    {
        if (result.Length != Length) throw new ArgumentException($"The result holds {result.Length} floats; the gradient has {Length}.", nameof(result));
        int ranks = communicator.Size, rank = communicator.Rank;
        // Every rank knows every rank's nodes: the tree and the shares depend on K and W only.
        var covers = new List<(int Lo, int Hi)>[ranks];
        int slots = 0;
        for (int r = 0; r < ranks; r++)
        {
            var (a, b) = ChunkTree.Share(chunks, r, ranks);
            covers[r] = ChunkTree.Cover(chunks, a, b);
            slots = Math.Max(slots, covers[r].Count);
        }
        Ensure(ref _send, (long)slots * Length);
        var mine = covers[rank];
        for (int s = 0; s < mine.Count; s++)
            SumLocal(mine[s].Lo, mine[s].Hi, 0, computeChunk, _send.AsSpan(s * Length, Length));
        if (ranks == 1)
        {
            _send.AsSpan(0, Length).CopyTo(result); // the root is this rank's one node
            return;
        }
        Ensure(ref _receive, (long)slots * Length * ranks);
        communicator.Allgather<float>(_send.AsSpan(0, slots * Length), _receive.AsSpan(0, ranks * slots * Length));
        var where = new Dictionary<(int, int), int>();
        for (int r = 0; r < ranks; r++)
            for (int s = 0; s < covers[r].Count; s++) where[covers[r][s]] = (r * slots + s) * Length;
        SumGlobal(0, chunks, 0, 0, where).CopyTo(result);
    }

    /// <summary>Node [lo, hi), all of whose chunks are this rank's, into <paramref name="destination"/>.</summary>
    private void SumLocal(int lo, int hi, int depth, Action<int, Span<float>> computeChunk, Span<float> destination)
    {
        if (hi - lo == 1)
        {
            computeChunk(lo, destination);
            return;
        }
        int mid = ChunkTree.Split(lo, hi);
        SumLocal(lo, mid, depth + 1, computeChunk, destination);
        var right = Scratch(2 * depth);
        SumLocal(mid, hi, depth + 1, computeChunk, right);
        TensorPrimitives.Add(destination, right, destination);
    }

    /// <summary>
    /// Node [lo, hi) from the gathered nodes: one of them, or its children's sum in the scratch of
    /// its depth and side. Each depth has two buffers, one per side, so computing a right child never
    /// overwrites its left sibling's sum.
    /// </summary>
    private ReadOnlySpan<float> SumGlobal(int lo, int hi, int depth, int side, Dictionary<(int, int), int> where)
    {
        if (where.TryGetValue((lo, hi), out int offset)) return _receive.AsSpan(offset, Length);
        int mid = ChunkTree.Split(lo, hi);
        var left = SumGlobal(lo, mid, depth + 1, 0, where);
        var right = SumGlobal(mid, hi, depth + 1, 1, where);
        var sum = Scratch(2 * depth + side);
        TensorPrimitives.Add(left, right, sum);
        return sum;
    }

    private Span<float> Scratch(int index)
    {
        while (_scratch.Count <= index) _scratch.Add(new float[Length]);
        return _scratch[index];
    }

    private static void Ensure(ref float[] buffer, long length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}
