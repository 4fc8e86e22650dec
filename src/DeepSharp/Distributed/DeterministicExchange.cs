namespace DeepSharp.Distributed;

/// <summary>
/// How the deterministic reduction's node sums travel between the ranks (docs/distributed.md). Both
/// give the same bits — those of the one fixed tree — for any number of ranks; they differ in bytes
/// moved and additions made per rank.
/// </summary>
public enum DeterministicExchange
{
    /// <summary>
    /// <see cref="AllGather"/> on up to two ranks, <see cref="ReduceScatter"/> from
    /// <see cref="DistributedStrategy.ReduceScatterFromRanks"/> ranks on.
    /// </summary>
    Auto,

    /// <summary>
    /// Every rank receives every rank's node sums (<c>MPI_Iallgather</c>) and adds the whole tree:
    /// (W−1)·P floats in and (W−1)·P additions per rank and step. One round trip; the cheapest for two ranks.
    /// </summary>
    AllGather,

    /// <summary>
    /// The fixed-order reduce-scatter: rank r receives slice r of every rank's node sums
    /// (<c>MPI_Ialltoallv</c>), adds that slice up the tree, and the ranks all-gather the summed slices
    /// (<c>MPI_Iallgatherv</c>): 2(W−1)/W·P floats in and (W−1)/W·P additions per rank and step, what a
    /// ring all-reduce costs, with the order fixed.
    /// </summary>
    ReduceScatter,
}
