using System.Globalization;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// Optimizer-state sharding (ZeRO stage 1), for real under mpiexec: on 2 and 3 ranks each rank keeps
/// Adam's moments of its slice only, and the weights and the optimizer state after training (gathered
/// whole at the end of Fit) are bit for bit those of one unsharded rank, with checkpoints taken
/// (which gather the state onto rank 0 alone) on the way; the 3-rank run uses the reduce-scatter exchange.
/// </summary>
[Collection("mpi")]
public sealed class ShardedOptimizerTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 240_000)]
    public async Task ShardedRunsHaveTheUnshardedBitsAndAShareOfTheState()
    {
        string[] args = ["--model", "random", "--steps", "6", "--batch", "128", "--checkpoint-every", "2"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, [.. args, "--checkpoint-dir", _root.File("ck1")]);
        long whole = long.Parse(File.ReadAllText(Path.Combine(one, "optimizer-floats-rank0.txt")), CultureInfo.InvariantCulture);
        foreach (int ranks in new[] { 2, 3 })
        {
            string sharded = await MpiJob.Train(_root.Path, $"sharded{ranks}", ranks, null,
                [.. args, "--shard-optimizer", "1", "--seed-per-rank", "1", "--checkpoint-dir", _root.File($"ck{ranks}")]);
            MpiJob.AssertBitwiseEqual(one, sharded, ranks);
            long sum = 0;
            for (int r = 0; r < ranks; r++)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(one, "optimizer-rank0.bin")), File.ReadAllBytes(Path.Combine(sharded, $"optimizer-rank{r}.bin")));
                long mine = long.Parse(File.ReadAllText(Path.Combine(sharded, $"optimizer-floats-rank{r}.txt")), CultureInfo.InvariantCulture);
                Assert.InRange(mine, 1, whole / ranks + 16 * 2 * ranks); // its block of ⌈P/W⌉ values (rounded to 16), two moments each
                sum += mine;
            }
            Assert.Equal(whole, sum); // every moment held by exactly one rank
            // Checkpoints gather the state onto rank 0 alone: the other ranks never hold more than their slice.
            for (int r = 0; r < ranks; r++)
            {
                long atCheckpoints = long.Parse(File.ReadAllText(Path.Combine(sharded, $"optimizer-floats-checkpoint-rank{r}.txt")), CultureInfo.InvariantCulture);
                if (r == 0) Assert.True(atCheckpoints > whole, $"rank 0 held {atCheckpoints} floats at a checkpoint; the whole state is {whole}");
                else Assert.InRange(atCheckpoints, 1, whole / ranks + 16 * 2 * ranks);
            }
        }
    }
}
