using DeepSharp.Distributed;
using DeepSharp.Tests.Data;
using Path = DeepSharp.Distributed.ExchangeCostModel.Path;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// How <see cref="DeterministicExchange.Auto"/> chooses (the cost model over its measured figures)
/// and the exchange across machines: under mpiexec, 3 ranks on one machine take the shared-memory
/// all-gather with the split update (the reduce-scatter, asked for by name, keeps the bits too), and ranks pretending to be on two machines
/// (<see cref="HostGroups.Override"/>: 2 + 2 and 3 + 1) take shared memory inside each and MPI
/// between them, with one rank's bits, also with MPI's bytes between the pretended machines over TCP.
/// </summary>
[Collection("mpi")]
public sealed class ExchangeChoiceTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    // This machine's order of magnitude (docs/distributed.md): α 1 µs, 0.2 ns/B, 0.1 ns per float copied or added.
    private static readonly ExchangeCostModel Typical = new(1e-6, 0.2e-9, 0.1e-9, 0.1e-9);

    [Fact]
    public void TheCostModelPicksTheCheapestExchangeForTheMeasuredFigures()
    {
        const long Seed = 704_394; // the seed CNN's trainable values
        // One machine: reading the node sums in place beats moving them, from 2 ranks on.
        for (int ranks = 2; ranks <= 8; ranks++)
            Assert.Equal(Path.SharedSplit, Typical.Choose([Path.SharedSplit, Path.MpiReduceScatter], Seed, ranks, 1, ranks).Best);
        // Without shared memory: the all-gather's one round trip on 2 ranks, the reduce-scatter's bytes beyond.
        Assert.Equal(Path.MpiAllGather, Typical.Choose([Path.MpiAllGather, Path.MpiReduceScatter], Seed, 2, 1, 1).Best);
        Assert.Equal(Path.MpiReduceScatter, Typical.Choose([Path.MpiAllGather, Path.MpiReduceScatter], Seed, 4, 1, 1).Best);
        // A tiny model on a slow network: latency decides, and the all-gather has half the messages.
        var slow = Typical with { Alpha = 1e-3 };
        Assert.Equal(Path.MpiAllGather, slow.Choose([Path.MpiAllGather, Path.MpiReduceScatter], 1_000, 4, 1, 1).Best);
        // Free messages and many node sums per rank (uneven chunks): the reduce-scatter adds and reads
        // only 1/W of them, the shared all-gather's own block of every one; the measurement can tip it.
        var freeMpi = Typical with { Alpha = 0, BetaPerByte = 0 };
        Assert.Equal(Path.MpiReduceScatter, freeMpi.Choose([Path.SharedSplit, Path.MpiReduceScatter], Seed, 4, 8, 4).Best);
        // Across machines the blocks move fewer bytes than the reduce-scatter, whatever the figures.
        foreach (var model in new[] { Typical, slow, freeMpi })
            Assert.Equal(Path.HostBlocks, model.Choose([Path.HostBlocks, Path.MpiReduceScatter], Seed, 4, 1, 2).Best);
        var (_, all) = Typical.Choose([Path.SharedSplit, Path.MpiReduceScatter], Seed, 3, 1, 3);
        Assert.All(all, c => Assert.True(c.Seconds > 0 && double.IsFinite(c.Seconds)));
    }

    [Fact]
    public void HostGroupsNumberMachinesByTheirLowestRank()
    {
        var groups = new HostGroups([7, 3, 7, 3, 5], rank: 2);
        Assert.Equal(3, groups.Count);
        Assert.Equal([0, 2], groups.Local);
        Assert.Equal(1, groups.LocalIndex(2));
        Assert.Equal(1, groups.HostOf(3));
        Assert.Equal(2, groups.HostOf(4));
        Assert.False(groups.IsLocal(1));
        Assert.Equal(2, groups.MostPerHost);
        Assert.Equal("3 hosts (2 + 2 + 1 ranks)", groups.ToString());
    }

    private async Task<string> Job(string name, int ranks, Dictionary<string, string>? env, string[] args, params string[] expected)
    {
        string dir = _root.File(name);
        var result = await MpiJob.Run(ranks, env, TimeSpan.FromSeconds(120), ["train", "--out", dir, .. args]);
        Assert.True(result.Code == 0, $"{name}: exit code {result.Code}\n{result.All}");
        foreach (var text in expected) Assert.True(result.All.Contains(text, StringComparison.Ordinal), $"{name}: '{text}' missing from\n{result.All}");
        return dir;
    }

    [Fact(Timeout = 300_000)]
    public async Task AutoTakesSharedMemoryOnOneMachineAndBlocksAcrossMachines()
    {
        // Batch 100: chunks of 32, 32, 32, 4; BatchNormalization's moving statistics and dropout too.
        string[] args = ["--model", "random", "--steps", "3", "--batch", "100"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, args);

        string three = await Job("three", 3, null, args, "exchange: SharedSplit chosen by the measured cost model", "node sums in shared memory", "update split between the ranks");
        MpiJob.AssertBitwiseEqual(one, three, 3);
        // The reduce-scatter by name on 3 ranks (Auto no longer takes it on one machine): uneven slices, 4 KiB buckets.
        string scattered = await Job("rs3", 3, null, [.. args, "--exchange", "reduce-scatter", "--bucket-bytes", "4096"], "reduce-scatter");
        MpiJob.AssertBitwiseEqual(one, scattered, 3);

        // Two pretended machines on this one: shared memory inside each, MPI between them.
        string twoByTwo = await Job("2x2", 4, new() { [HostGroups.Override] = "a,a,b,b" }, args, "exchange: HostBlocks chosen", "on 2 hosts", "update split between the ranks");
        MpiJob.AssertBitwiseEqual(one, twoByTwo, 4);
        string threeAndOne = await Job("3+1", 4, new() { [HostGroups.Override] = "x,x,x,y" }, [.. args, "--bucket-bytes", "4096"], "exchange: HostBlocks chosen", "on 2 hosts");
        MpiJob.AssertBitwiseEqual(one, threeAndOne, 4);
        // Split off on two machines: every rank's summed block all-gathered into the whole gradient.
        string whole = await Job("whole", 4, new() { [HostGroups.Override] = "a,b,a,b", ["DEEPSHARP_SPLIT_UPDATE"] = "0" }, args, "on 2 hosts");
        MpiJob.AssertBitwiseEqual(one, whole, 4);
    }

    [Fact(Timeout = 240_000)]
    public async Task TwoHostsOfTwoOverTcpKeepOneRanksBits()
    {
        // As on two real machines: MPIR_CVAR_NOLOCAL=1 has MPICH treat every other rank as remote and
        // UCX_TLS=tcp,self leaves UCX nothing but TCP sockets between processes, so every byte MPI moves
        // between the pretended hosts goes over TCP; inside each host the ranks share memory.
        string[] args = ["--model", "random", "--steps", "3", "--batch", "100", "--bucket-bytes", "4096"];
        string one = await MpiJob.Train(_root.Path, "one", 0, null, args);
        var tcp = new Dictionary<string, string> { ["MPIR_CVAR_NOLOCAL"] = "1", ["UCX_TLS"] = "tcp,self", [HostGroups.Override] = "a,a,b,b" };
        string twoByTwo = await Job("tcp2x2", 4, tcp, args, "exchange: HostBlocks chosen", "on 2 hosts", "node sums in shared memory", "update split between the ranks");
        MpiJob.AssertBitwiseEqual(one, twoByTwo, 4);
    }
}
