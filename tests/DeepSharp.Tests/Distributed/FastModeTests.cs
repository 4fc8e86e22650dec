using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// The fast mode (bucketed MPI_Iallreduce during backward): within 1e-5 of a plain one-process
/// Fit; and, because a sum of two values does not depend on its order, bit for bit the same for
/// any bucket size on two ranks — buckets smaller than the model, sizes that are no multiple of the
/// bucket, and one tensor (the seed's 692k-value kernel) larger than a bucket.
/// </summary>
[Collection("mpi")]
public sealed class FastModeTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 240_000)]
    public async Task TwoRanksMatchPlainFitAndEveryBucketSizeAgrees()
    {
        string[] seed = ["--model", "seed", "--steps", "20", "--batch", "128"];
        string plain = await MpiJob.Train(_root.Path, "plain", 0, null, [.. seed, "--mode", "plain"]);
        string one = await MpiJob.Train(_root.Path, "one", 0, null, [.. seed, "--mode", "fast"]);
        MpiJob.AssertBitwiseEqual(plain, one, 1); // one rank: the same sums as plain Fit
        string big = await MpiJob.Train(_root.Path, "big", 2, null, [.. seed, "--mode", "fast"]);
        double difference = MpiJob.RelativeDifference(MpiJob.Weights(big), MpiJob.Weights(plain));
        Assert.True(difference < 1e-5, $"2 ranks, fast mode: relative difference {difference} from plain Fit");
        // 10 000 bytes: 2 500 floats, so the seed's 1 290-, 128- and 320-value tensors share buckets
        // in odd sizes and its 692 224-value kernel is a bucket of its own.
        string small = await MpiJob.Train(_root.Path, "small", 2, null, [.. seed, "--mode", "fast", "--bucket-bytes", "10000"]);
        MpiJob.AssertBitwiseEqual(big, small, 2);
    }

    [Fact(Timeout = 240_000)]
    public async Task FourRanksStayCloseToPlainFit()
    {
        string[] args = ["--model", "small", "--steps", "10", "--batch", "128"];
        string plain = await MpiJob.Train(_root.Path, "plain", 0, null, [.. args, "--mode", "plain"]);
        string four = await MpiJob.Train(_root.Path, "four", 4, null, [.. args, "--mode", "fast", "--bucket-bytes", "1000"]);
        for (int r = 0; r < 4; r++)
        {
            double difference = MpiJob.RelativeDifference(MpiJob.Weights(four, r), MpiJob.Weights(plain));
            Assert.True(difference < 1e-5, $"rank {r} of 4, fast mode: relative difference {difference} from plain Fit");
        }
    }
}
