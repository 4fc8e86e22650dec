namespace DeepSharp.Distributed;

/// <summary>
/// How the deterministic reduction's node sums travel between the ranks (docs/distributed.md). Both
/// give the same bits — those of the one fixed tree — for any number of ranks; they differ in bytes
/// moved and additions made per rank.
/// </summary>
public enum DeterministicExchange
{
    /// <summary>
    /// Decided at the first step of several ranks by a cost model measured then (MPI's latency and
    /// bandwidth, this machine's copy and addition): <see cref="AllGather"/> — in place through shared
    /// memory on one machine, or inside each machine with each rank's block of the others' node sums by
    /// MPI across several, the ranks then splitting the update — or <see cref="ReduceScatter"/>.
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
