using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Federated;

/// <summary><c>deepsharp train mnist --federated</c> on a small MNIST-shaped set: rounds, bytes, files, and refused settings.</summary>
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

    [Theory]
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
}
