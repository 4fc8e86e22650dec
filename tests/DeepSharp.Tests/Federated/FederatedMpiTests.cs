using DeepSharp.Tests.Data;
using DeepSharp.Tests.Distributed;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// Federated averaging under mpiexec: the clients of each round spread over 2 ranks (3 clients, so
/// one rank trains two) give, bit for bit, the global weights of the same run simulated in one process,
/// with ranks seeded differently (rank 0's initial weights are broadcast), with FedProx and server momentum too.
/// </summary>
[Collection("mpi")]
public sealed class FederatedMpiTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<string> Federated(string name, int ranks, params string[] args)
    {
        string dir = Path.Combine(_root.Path, name);
        var result = await MpiJob.Run(ranks, null, TimeSpan.FromSeconds(90), ["federated", "--out", dir, .. args]);
        Assert.True(result.Code == 0, $"{name}: exit code {result.Code}\n{result.All}");
        return dir;
    }

    [Fact(Timeout = 180_000)]
    public async Task TwoRanksGiveTheBitsOfTheSimulatedRun()
    {
        string[] settings = ["--clients", "6", "--fraction", "0.5", "--rounds", "3", "--mu", "0.01", "--server", "momentum"];
        string simulated = await Federated("simulated", 0, settings);
        string two = await Federated("two", 2, [.. settings, "--seed-per-rank", "1"]);
        MpiJob.AssertBitwiseEqual(simulated, two, 2);
        Assert.Equal(File.ReadAllText(Path.Combine(simulated, "loss-rank0.txt")), File.ReadAllText(Path.Combine(two, "loss-rank1.txt")));
        // And the run learned something different from where it started: another seed's run differs.
        string other = await Federated("other", 0, [.. settings.Take(6), "--seed", "8"]);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(simulated, "weights-rank0.bin")), File.ReadAllBytes(Path.Combine(other, "weights-rank0.bin")));
    }
}
