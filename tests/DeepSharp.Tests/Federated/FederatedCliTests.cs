using DeepSharp.Federated;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Distributed;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// <c>deepsharp train mnist --federated</c> on a small MNIST-shaped set: rounds, bytes, files, refused
/// settings, and under <c>mpiexec -n 2</c> the model file of the simulated run, byte for byte.
/// </summary>
[Collection("mpi")]
public sealed class FederatedCliTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("iid")]
    [InlineData("pathological")]
    public async Task TrainsRoundsAndWritesTheModelAndTheRounds(string partition)
    {
        string data = Directory.CreateDirectory(_root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        string outDir = _root.File("out-" + partition);
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "mnist", "--federated", "--data-dir", data, "--clients", "8", "--fraction", "0.25",
            "--local-epochs", "1", "--local-batch", "16", "--rounds", "2", "--partition", partition, "--threads", "1", "--target", "0", "--out", outDir);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("1,663,370 weights", stdout);
        Assert.Contains("2 clients per round", stdout);
        Assert.Contains("each round sends 13.3 MB down and 13.3 MB up", stdout);
        Assert.Contains("Round 2/2", stdout);
        Assert.Contains("Ran 2 rounds", stdout);
        var lines = File.ReadAllLines(Path.Combine(outDir, "rounds.csv"));
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("2,", lines[2]);
        Assert.True(new FileInfo(Path.Combine(outDir, "model.safetensors")).Length > 4 * 1_663_370);
    }

    [Fact]
    public async Task WithDifferentialPrivacyEachRoundPrintsItsEpsilonAndTheClippedClients()
    {
        string data = Directory.CreateDirectory(_root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        string outDir = _root.File("out-dp");
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "mnist", "--federated", "--data-dir", data, "--clients", "8", "--fraction", "0.25",
            "--local-epochs", "1", "--local-batch", "16", "--rounds", "2", "--threads", "1", "--target", "0", "--out", outDir,
            "--dp-clip", "0.5", "--dp-noise", "1.1", "--dp-delta", "1e-3");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("+ DP (clip 0.5, noise multiplier 1.1)", stdout);
        string epsilon = RdpAccountant.Epsilon(0.25, 1.1f, 2, 1e-3).Epsilon.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"ε {epsilon} (δ 0.001)", stdout);
        Assert.Matches(@"Round 1/2 .* - clipped [0-2]/2 - ε", stdout);
        var lines = File.ReadAllLines(Path.Combine(outDir, "rounds.csv"));
        Assert.Equal("round,clients,train_loss,test_loss,test_accuracy,bytes_down,bytes_up,clipped,epsilon,seconds", lines[0]);
        Assert.Equal(3, lines.Length);
    }

    [Theory]
    [InlineData("--dp-noise", "1", "--dp-noise needs --dp-clip")]
    [InlineData("--dp-clip", "-1", "--dp-clip must be 0 (off) or positive")]
    [InlineData("--dp-delta", "1", "--dp-delta must be in (0, 1)")]
    [InlineData("--fraction", "0", "--fraction must be in (0, 1]")]
    [InlineData("--partition", "dirichlet", "dirichlet")]
    [InlineData("--local-batch", "-1", "--local-batch must be 0")]
    [InlineData("--server", "sgd", "sgd")]
    public async Task BadSettingsAreRefused(string option, string value, string message)
    {
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "mnist", "--federated", option, value);
        Assert.NotEqual(0, code);
        Assert.Contains(message, stdout + stderr);
    }

    [Fact(Timeout = 240_000)]
    public async Task UnderMpiexecTheClientsSpreadOverTheRanksWithTheSameModel()
    {
        string data = Directory.CreateDirectory(_root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        string[] args = ["train", "mnist", "--federated", "--data-dir", data, "--clients", "8", "--fraction", "0.375", "--local-epochs", "1",
            "--local-batch", "32", "--rounds", "2", "--threads", "1", "--target", "0", "--eval-every", "2"];
        var one = await CliTests.Run(null, [.. args, "--out", _root.File("one")]);
        Assert.True(one.Code == 0, one.Out + one.Err);
        Assert.Contains("Clients simulated in turn", one.Out);
        var psi = new System.Diagnostics.ProcessStartInfo(MpiJob.Mpiexec(),
            ["-n", "2", "dotnet", Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll"), .. args, "--out", _root.File("two")])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = MpiJob.Drain(process);
        bool ended = await Task.Run(() => process.WaitForExit(TimeSpan.FromSeconds(120)));
        if (!ended) process.Kill(entireProcessTree: true);
        Assert.True(ended, "train mnist --federated under mpiexec did not end: " + output.Invoke());
        process.WaitForExit();
        var (stdout, stderr) = output.Parts();
        Assert.True(process.ExitCode == 0, stdout + stderr);
        Assert.Contains("Clients spread over 2 ranks", stdout);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stdout, "Round 2/2"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root.File("one"), "model.safetensors")), File.ReadAllBytes(Path.Combine(_root.File("two"), "model.safetensors")));
    }
}
