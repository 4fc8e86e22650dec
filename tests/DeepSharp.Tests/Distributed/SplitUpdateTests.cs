using System.Globalization;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// The split update, for real under mpiexec: with the node sums in shared memory each rank adds up
/// and updates only its block of the weights (holding Adam's moments of that block alone) and the
/// ranks hand the blocks over through shared memory; the weights and the optimizer state at the end
/// are bit for bit one rank's, as with the split turned off (DEEPSHARP_SPLIT_UPDATE=0, every rank
/// holding the whole state) and with a global clip norm (which needs the whole gradient on every rank).
/// From the second step on the weights themselves live in the shared file and each rank updates its
/// block there in place (no copies): the same bits, and the same with each rank's own copy
/// (DEEPSHARP_SHARED_WEIGHTS=0) or a weight constraint (which keeps the copies by itself).
/// The other deterministic tests run with it on (their shared-memory jobs) and off (TCP).
/// </summary>
[Collection("mpi")]
public sealed class SplitUpdateTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private static long Floats(string dir, int rank) =>
        long.Parse(File.ReadAllText(Path.Combine(dir, $"optimizer-floats-rank{rank}.txt")), CultureInfo.InvariantCulture);

    private async Task<string> Job(string name, int ranks, Dictionary<string, string>? env, string[] args, bool split, bool? sharedWeights = null)
    {
        string dir = _root.File(name);
        var result = await MpiJob.Run(ranks, env, TimeSpan.FromSeconds(90), ["train", "--out", dir, .. args]);
        Assert.True(result.Code == 0, $"{name}: exit code {result.Code}\n{result.All}");
        Assert.Equal(split, result.All.Contains("update split between the ranks", StringComparison.Ordinal));
        Assert.True((sharedWeights ?? split) == result.All.Contains("weights in shared memory", StringComparison.Ordinal), $"{name}: weights in shared memory should be {sharedWeights ?? split}:\n{result.All}");
        return dir;
    }

    [Fact(Timeout = 240_000)]
    public async Task SplitUpdateHasOneRanksBitsAndAShareOfTheState()
    {
        // Batch 100: chunks of 32, 32, 32, 4; batch normalization's moving statistics and dropout too.
        string[] args = ["--model", "random", "--steps", "4", "--batch", "100"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, args);
        long whole = Floats(one, 0);
        var optimizer = File.ReadAllBytes(Path.Combine(one, "optimizer-rank0.bin"));

        string split = await Job("split", 2, null, [.. args, "--seed-per-rank", "1"], split: true);
        MpiJob.AssertBitwiseEqual(one, split, 2);
        long sum = 0;
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal(optimizer, File.ReadAllBytes(Path.Combine(split, $"optimizer-rank{r}.bin"))); // whole again after Fit
            long mine = Floats(split, r);
            Assert.InRange(mine, 1, whole / 2 + 16 * 2 * 2); // its block's two moments
            sum += mine;
        }
        Assert.Equal(whole, sum);

        string off = await Job("off", 2, new() { ["DEEPSHARP_SPLIT_UPDATE"] = "0" }, args, split: false);
        MpiJob.AssertBitwiseEqual(one, off, 2);
        for (int r = 0; r < 2; r++) Assert.Equal(whole, Floats(off, r));

        // Blocks that cut through tensors and 4 KiB buckets, on three ranks.
        string three = await Job("three", 3, null, [.. args, "--exchange", "all-gather", "--bucket-bytes", "4096"], split: true);
        MpiJob.AssertBitwiseEqual(one, three, 3);

        // Each rank its own copy of the weights, the updated blocks copied between them: the same bits.
        string copies = await Job("copies", 2, new() { ["DEEPSHARP_SHARED_WEIGHTS"] = "0" }, args, split: true, sharedWeights: false);
        MpiJob.AssertBitwiseEqual(one, copies, 2);
    }

    [Fact(Timeout = 240_000)]
    public async Task AWeightConstraintKeepsEachRanksOwnWeightsAndOneRanksBits()
    {
        // Constraints run on whole weights on every rank after the update: in one shared copy the ranks would race.
        string[] args = ["--model", "constrained", "--steps", "4", "--batch", "100"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, args);
        string two = await Job("two", 2, null, args, split: true, sharedWeights: false);
        MpiJob.AssertBitwiseEqual(one, two, 2);
    }

    [Fact(Timeout = 240_000)]
    public async Task GlobalClipNormAddsUpTheWholeGradientAndKeepsOneRanksBits()
    {
        // The global norm needs every value of the gradient: the ranks add it all up, then split the update.
        string[] args = ["--model", "small", "--steps", "4", "--batch", "100", "--global-clip-norm", "0.05"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, args);
        string two = await Job("two", 2, null, args, split: true);
        MpiJob.AssertBitwiseEqual(one, two, 2);
        string unclipped = await MpiJob.Train(_root.Path, "unclipped", 0, null, ["--model", "small", "--steps", "4", "--batch", "100"]);
        Assert.NotEqual(MpiJob.Weights(one), MpiJob.Weights(unclipped)); // the clip did clip
    }

    [Fact(Timeout = 240_000)]
    public async Task GradientAccumulationAddsUpTheWholeGradientAndKeepsOneRanksBits()
    {
        // 5 steps accumulated by 2: two updates and one batch pending at the end, split, sharded or neither.
        string[] args = ["--model", "small", "--steps", "5", "--batch", "100", "--gradient-accumulation", "2"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, args);
        string two = await Job("two", 2, null, args, split: true);
        MpiJob.AssertBitwiseEqual(one, two, 2);
        string sharded = await Job("sharded", 2, new() { ["DEEPSHARP_SPLIT_UPDATE"] = "0" }, [.. args, "--shard-optimizer", "1"], split: false);
        MpiJob.AssertBitwiseEqual(one, sharded, 2);
        string every = await MpiJob.Train(_root.Path, "every", 0, null, ["--model", "small", "--steps", "5", "--batch", "100"]);
        Assert.NotEqual(MpiJob.Weights(one), MpiJob.Weights(every));
    }
}
