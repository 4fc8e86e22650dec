namespace DeepSharp.Distributed;

/// <summary>
/// The additions a rank makes to sum its chunks up to its nodes of <see cref="ChunkTree"/>, as a list
/// of steps in the order the recursive sum makes them: <c>Compute(k → buffer)</c> (chunk k's gradient
/// goes into a buffer) and <c>Add(target += source)</c>. Buffers 0..slots−1 are the rank's node sums
/// (what it sends); slots + d is the scratch of depth d. Every step is elementwise, so the steps
/// between two Computes can run tensor by tensor as each tensor's gradient of the chunk is final,
/// with the same bits as running them over the whole vector.
/// </summary>
internal sealed class LocalSumPlan
{
    /// <summary>One step: a chunk's gradient into <see cref="Target"/>, or <see cref="Target"/> += <see cref="Source"/>.</summary>
    public readonly record struct Step(bool IsAdd, int Chunk, int Target, int Source);

    /// <param name="nodes">The rank's nodes, left to right.</param>
    /// <param name="slots">The number of send slots (the most nodes any rank has); scratch buffers come after them.</param>
    public LocalSumPlan(IReadOnlyList<(int Lo, int Hi)> nodes, int slots)
    {
        for (int s = 0; s < nodes.Count; s++) Plan(nodes[s].Lo, nodes[s].Hi, 0, s, slots);
        LastCompute = -1;
        for (int i = 0; i < Steps.Count; i++)
            if (!Steps[i].IsAdd)
            {
                Chunks.Add(Steps[i].Chunk);
                LastCompute = i;
            }
    }

    public List<Step> Steps { get; } = [];

    /// <summary>The rank's chunks in the order they run.</summary>
    public List<int> Chunks { get; } = [];

    /// <summary>The index of the last chunk's Compute step (−1 without chunks).</summary>
    public int LastCompute { get; }

    /// <summary>The first Compute step after <paramref name="step"/> (Steps.Count if none).</summary>
    public int NextCompute(int step)
    {
        int i = step + 1;
        while (i < Steps.Count && Steps[i].IsAdd) i++;
        return i;
    }

    // Node [lo, hi) into buffer `target`: its left child there, its right child into the scratch of this depth, then added.
    private void Plan(int lo, int hi, int depth, int target, int slots)
    {
        if (hi - lo == 1)
        {
            Steps.Add(new Step(false, lo, target, -1));
            return;
        }
        int mid = ChunkTree.Split(lo, hi);
        Plan(lo, mid, depth + 1, target, slots);
        int scratch = slots + depth;
        Plan(mid, hi, depth + 1, scratch, slots);
        Steps.Add(new Step(true, -1, target, scratch));
    }
}
