namespace DeepSharp.Distributed;

/// <summary>How data-parallel training combines the ranks' gradients.</summary>
public enum GradientReduction
{
    /// <summary>
    /// The default: the global batch is cut into fixed-size chunks whose gradients are summed in one
    /// fixed tree order, so the weights are bit for bit the same for any number of ranks at the same
    /// global batch size (see docs/distributed.md).
    /// </summary>
    Deterministic,

    /// <summary>
    /// Each rank runs its shard of the batch at once and the gradients are summed by MPI's all-reduce in
    /// buckets overlapped with backward (as Horovod and PyTorch DDP): no chunking, but the last bits
    /// depend on the number of ranks.
    /// </summary>
    Fast,
}
