using DeepSharp.Distributed;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// The fixed summation order, in process: every rank's cover is exactly its share in tree nodes,
/// and the reducer run by 1 to 5 simulated ranks (threads exchanging through
/// <see cref="ThreadCommunicator"/>) gives one rank's bits for every number of chunks up to 17, with
/// the all-gather's node sums read from shared memory and moved by the communicator, and with the
/// ranks grouped onto simulated machines (shared memory inside each, each rank's block of the other
/// machines' node sums through the communicator), split or not.
/// </summary>
public sealed class ChunkTreeTests
{
    [Fact]
    public void CoversAreTheSharesInTreeNodes()
    {
        for (int chunks = 1; chunks <= 40; chunks++)
            for (int ranks = 1; ranks <= 6; ranks++)
            {
                int next = 0;
                for (int r = 0; r < ranks; r++)
                {
                    var (a, b) = ChunkTree.Share(chunks, r, ranks);
                    Assert.Equal(next, a);
                    foreach (var (lo, hi) in ChunkTree.Cover(chunks, a, b))
                    {
                        Assert.Equal(next, lo);
                        Assert.True(IsNode(0, chunks, lo, hi), $"[{lo}, {hi}) is not a node of the tree over {chunks}");
                        next = hi;
                    }
                    Assert.Equal(b, next);
                }
                Assert.Equal(chunks, next);
            }
        Assert.Equal(new[] { (0, 7) }, ChunkTree.Cover(7, 0, 7));
        Assert.Equal(new[] { (5, 6), (6, 7) }, ChunkTree.Cover(7, 5, 7)); // 7 splits as [0, 4) + [4, 7), and [4, 7) as ([4, 5) + [5, 6)) + [6, 7)
        Assert.Equal(new[] { (2, 4), (4, 5) }, ChunkTree.Cover(8, 2, 5));
    }

    private static bool IsNode(int lo, int hi, int a, int b)
    {
        if ((lo, hi) == (a, b)) return true;
        if (hi - lo < 2) return false;
        int mid = ChunkTree.Split(lo, hi);
        return IsNode(lo, mid, a, b) || IsNode(mid, hi, a, b);
    }

    [Theory]
    [InlineData(1 << 20, false)] // one bucket
    [InlineData(24, false)]      // buckets of 6 floats: tensors split over several, buckets spanning tensors
    [InlineData(1 << 20, true)]  // the reduce-scatter: each rank sums its slice of the bucket
    [InlineData(24, true)]       // slices of 0-2 floats, the last bucket (1 float) on one rank only
    public void AnyNumberOfRanksGivesOneRanksBits(long bucketBytes, bool reduceScatter)
    {
        // The all-gather both ways: node sums read from shared memory, and moved by the communicator;
        // over shared memory also split: each rank adds up only its block, and the blocks are shared.
        if (reduceScatter) RunRanksAndCompare(bucketBytes, reduceScatter, shared: false, split: false);
        else
            foreach (var (shared, split) in new[] { (true, false), (true, true), (false, false) }) RunRanksAndCompare(bucketBytes, reduceScatter, shared, split);
    }

    [Theory]
    [InlineData(1 << 20, false, true)]  // machines of consecutive ranks (2 + 1, 2 + 2, 3 + 2), split
    [InlineData(24, false, true)]
    [InlineData(24, true, true)]        // every other rank on the second machine (ranks 0, 2, 4 and 1, 3)
    [InlineData(24, true, false)]       // not split: the summed blocks all-gathered into the whole gradient
    public void RanksOnSeveralMachinesGiveOneRanksBits(long bucketBytes, bool alternate, bool split) =>
        RunRanksAndCompare(bucketBytes, reduceScatter: false, shared: true, split, hosts: ranks =>
            [.. Enumerable.Range(0, ranks).Select(r => alternate ? r % 2 : r < (ranks + 1) / 2 ? 0 : 1)]);

    private static void RunRanksAndCompare(long bucketBytes, bool reduceScatter, bool shared, bool split, Func<int, int[]>? hosts = null)
    {
        int[] sizes = [5, 1, 17, 14]; // 37 floats in four tensors
        const int length = 37;
        for (int chunks = 1; chunks <= 17; chunks++)
        {
            // Chunk gradients with wide exponents, so that a different order would change the bits.
            var random = new Random(chunks);
            var grads = new float[chunks][];
            for (int k = 0; k < chunks; k++)
            {
                grads[k] = new float[length];
                for (int i = 0; i < length; i++) grads[k][i] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 6)));
            }
            float[]? expected = null;
            for (int ranks = 1; ranks <= 5; ranks++)
            {
                var results = ThreadCommunicator.RunRanks(ranks, comm =>
                {
                    var computed = new List<int>();
                    var result = new float[length];
                    var groups = hosts is null ? null : new HostGroups(hosts(ranks), comm.Rank);
                    var exchange = reduceScatter ? DeterministicExchange.ReduceScatter : hosts is null ? DeterministicExchange.AllGather : DeterministicExchange.Auto;
                    using var reducer = new DeterministicReducer(comm, sizes, bucketBytes, exchange, shared, groups);
                    Assert.Equal(reduceScatter && ranks > 1, reducer.ReduceScatter);
                    for (int step = 0; step < 2; step++) // a second step reuses the layout
                    {
                        computed.Clear();
                        reducer.Begin(chunks);
                        Assert.Equal(shared && ranks > 1, reducer.SharedMemory);
                        // Across machines Auto always takes the blocks: the cost model puts them below the reduce-scatter.
                        Assert.Equal(groups is { Count: > 1 }, reducer.AcrossHosts);
                        foreach (int k in reducer.MyChunks)
                        {
                            computed.Add(k);
                            // Tensors in reverse order, as backward finishes them; tensor 1 never (zeros) when its chunk's value is 0.
                            for (int t = sizes.Length - 1; t >= 0; t--)
                            {
                                int offset = sizes.Take(t).Sum();
                                reducer.TensorReady(t, grads[k].AsSpan(offset, sizes[t]));
                            }
                            reducer.ChunkDone();
                        }
                        Span<float> Tensor(int t) => result.AsSpan(sizes.Take(t).Sum(), sizes[t]);
                        if (split && ranks > 1)
                        {
                            // Blocks of 16 floats (the last ones short or empty): this rank adds up its own; the
                            // others come from their ranks through shared memory (NaN until then).
                            Array.Fill(result, float.NaN);
                            reducer.Finish(Tensor, weightsFollow: true, ownBlockOnly: true);
                            var (lo, hi) = reducer.OwnBlock;
                            for (int i = 0; i < length; i++) Assert.Equal(i >= lo && i < hi, !float.IsNaN(result[i]));
                            reducer.ShareWeights(Tensor);
                        }
                        else reducer.Finish(Tensor);
                    }
                    var (a, b) = ChunkTree.Share(chunks, comm.Rank, ranks);
                    Assert.Equal(Enumerable.Range(a, b - a), computed); // each rank computes its own chunks, once, in order
                    return result;
                });
                expected ??= results[0];
                foreach (var r in results) Assert.Equal(expected, r);
            }
            // The tree order is not the left-to-right order (else this test could not tell them apart).
            if (chunks == 17)
            {
                var sequential = new float[length];
                for (int k = 0; k < chunks; k++)
                    for (int i = 0; i < length; i++) sequential[i] += grads[k][i];
                Assert.NotEqual(sequential, expected);
            }
        }
    }

    [Fact]
    public void BucketsCoverTheGradientOnceFromTheLastTensor()
    {
        int[] sizes = [5, 1, 17, 14];
        int[] offsets = [0, 5, 6, 23];
        var buckets = new ExchangeBuckets(offsets, sizes, 6 * sizeof(float));
        var covered = new int[37];
        int previousStart = int.MaxValue;
        for (int b = 0; b < buckets.Count; b++)
        {
            var (start, count) = buckets.Range(b);
            Assert.InRange(count, 1, 6);
            Assert.True(start + count <= previousStart, "buckets run from the end of the gradient backwards");
            previousStart = start;
            Assert.Equal(count, buckets.Segments(b).Sum(s => s.Count));
            foreach (var (tensor, s, c) in buckets.Segments(b))
            {
                Assert.InRange(s, offsets[tensor], offsets[tensor] + sizes[tensor] - c);
                for (int i = s; i < s + c; i++) covered[i]++;
            }
        }
        Assert.All(covered, c => Assert.Equal(1, c));
        // The first bucket is complete as soon as the last tensor is final.
        buckets.BeginStep();
        buckets.TensorDone(3);
        Assert.True(buckets.IsComplete(0));
    }
}
