using System.Diagnostics;
using DeepSharp.Federated;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// `deepsharp train mnist --federated --checkpoint-dir` killed with SIGKILL once two checkpoints exist
/// (24 rounds of ~0.1 s, so the run is still going when a loaded machine gets round to the kill),
/// started again with the same arguments: the final model file is byte for byte the uninterrupted run's,
/// and rounds.csv's accuracy curve is the same.
/// </summary>
public sealed class FederatedKillResumeTests(ITestOutputHelper output)
{
    private static string[] Args(string data, string checkpoints, string outDir) =>
    [
        "train", "mnist", "--federated", "--data-dir", data, "--clients", "8", "--fraction", "0.25", "--local-epochs", "1",
        "--local-batch", "16", "--rounds", "24", "--threads", "1", "--target", "0", "--seed", "3",
        "--server", "adam", "--server-lr", "0.01", "--checkpoint-dir", checkpoints, "--out", outDir,
    ];

    /// <summary>rounds.csv without its seconds column (the only one that depends on timing).</summary>
    private static string[] Curve(string outDir) =>
        [.. File.ReadAllLines(Path.Combine(outDir, "rounds.csv")).Select(l => l[..l.LastIndexOf(',')])];

    [Fact(Timeout = 240_000)]
    public async Task KilledFederatedRunResumesToTheSameBytes()
    {
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        var uninterrupted = CliTests.Run(null, Args(data, root.File("ckpt-a"), root.File("out-a")));

        string checkpoints = root.File("ckpt-b"), outB = root.File("out-b");
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll"), .. Args(data, checkpoints, outB)])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Process.Start(psi)!)
        {
            var drainOut = process.StandardOutput.ReadToEndAsync();
            var drainErr = process.StandardError.ReadToEndAsync();
            string previous = Path.Combine(checkpoints, FederatedBackup.PreviousFileName);
            var waited = Stopwatch.StartNew();
            while (!File.Exists(previous) && !process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(120)) await Task.Delay(2);
            await Task.Delay(50); // a moment more, so the kill lands mid-round or mid-write
            bool running = !process.HasExited;
            if (running) process.Kill(entireProcessTree: true); // SIGKILL
            await process.WaitForExitAsync();
            output.WriteLine($"killed {waited.Elapsed.TotalSeconds:F2}s after the start; its output:\n{await drainOut}");
            Assert.True(running, "the run ended before it could be killed: " + await drainErr);
        }
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")), "the killed run had already finished");

        var (code, stdout, stderr) = await CliTests.Run(null, Args(data, checkpoints, outB));
        Assert.True(code == 0, stdout + stderr);
        output.WriteLine(stdout);
        Assert.Matches(@"Resumed from round ([1-9]|1[0-9]|2[0-3]) \(", stdout); // round 1: killed while the second checkpoint was written, so only the first (rotated to previous) was whole
        (code, _, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);

        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
        Assert.Equal(Curve(root.File("out-a")), Curve(outB));
        Assert.Equal(25, Curve(outB).Length);
        Assert.False(File.Exists(Path.Combine(checkpoints, FederatedBackup.LatestFileName)), "the finished run deleted its checkpoints");
    }
}
