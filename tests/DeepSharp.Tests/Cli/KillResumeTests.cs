using System.Diagnostics;
using DeepSharp.Tests.Data;
using DeepSharp.Training.Callbacks;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// The kill test, for real: `deepsharp train mnist --checkpoint-dir` in a child process is killed with
/// SIGKILL mid-epoch once checkpoints exist, started again with the same arguments, and must write a
/// model file byte for byte equal to an uninterrupted run's.
/// </summary>
public class KillResumeTests(ITestOutputHelper output)
{
    /// <summary>A small synthetic MNIST: 512 training and 128 test images of random pixels and labels.</summary>
    internal static void WriteMnist(string dir)
    {
        var random = new Random(11);
        foreach (var (prefix, count) in new[] { ("train", 512), ("t10k", 128) })
        {
            var pixels = new byte[count * 28 * 28];
            random.NextBytes(pixels);
            var labels = new byte[count];
            for (int i = 0; i < count; i++) labels[i] = (byte)random.Next(10);
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), IdxFiles.Bytes(0x803, [count, 28, 28], pixels));
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), IdxFiles.Bytes(0x801, [count], labels));
        }
    }

    private static string[] Args(string data, string checkpoints, string outDir, string extra) =>
    [
        "train", "mnist", "--data-dir", data, "--epochs", "2", "--batch-size", "4", "--threads", "2", "--seed", "7",
        "--checkpoint-dir", checkpoints, "--checkpoint-every", "25", "--out", outDir,
        .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries),
    ];

    [Fact]
    public async Task CheckpointOptionsAreListedAndChecked()
    {
        var (code, stdout, _) = await CliTests.Run(null, "train", "mnist", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--checkpoint-dir", stdout);
        Assert.Contains("--checkpoint-every", stdout);
        (code, _, var stderr) = await CliTests.Run(null, "train", "mnist", "--checkpoint-every", "-1");
        Assert.Equal(2, code);
        Assert.Contains("--checkpoint-every must not be negative", stderr);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("")]
    // Checkpoints after steps 25 and 50 hold 1 and 2 of 3 accumulated batches: the kill lands mid-accumulation.
    [InlineData("--optimizer nadam --gradient-accumulation 3")]
    public async Task KilledRunResumesToTheSameBytes(string extra)
    {
        var clock = Stopwatch.StartNew();
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        WriteMnist(data);

        // The uninterrupted run goes alongside (the bits do not depend on timing, only on seed and thread count).
        var uninterrupted = CliTests.Run(null, Args(data, root.File("ckpt-a"), root.File("out-a"), extra));

        // Start, wait for a second checkpoint (after step 50 of 128 in epoch 1) and a moment more, kill with SIGKILL.
        string checkpoints = root.File("ckpt-b"), outB = root.File("out-b");
        string dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. Args(data, checkpoints, outB, extra)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Process.Start(psi)!)
        {
            var drainOut = process.StandardOutput.ReadToEndAsync();
            var drainErr = process.StandardError.ReadToEndAsync();
            string previous = Path.Combine(checkpoints, BackupAndRestore.PreviousFileName);
            var waited = Stopwatch.StartNew();
            while (!File.Exists(previous) && !process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(2);
            await Task.Delay(100); // then a little more, so the kill lands between checkpoints, mid-step or mid-write
            bool running = !process.HasExited;
            if (running) process.Kill(entireProcessTree: true); // SIGKILL: no handler, no flush, no cleanup
            await process.WaitForExitAsync();
            output.WriteLine($"child killed {waited.Elapsed.TotalSeconds:F2}s after its start; its output:\n{await drainOut}");
            Assert.True(running, "the run ended before it could be killed: " + await drainErr);
        }
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")), "the killed run had already finished");
        output.WriteLine($"killed at {clock.Elapsed.TotalSeconds:F1}s; checkpoint folder: {string.Join(", ", Directory.GetFiles(checkpoints).Select(Path.GetFileName))}");

        var (code, stdout, stderr) = await CliTests.Run(null, Args(data, checkpoints, outB, extra));
        Assert.True(code == 0, stderr);
        var resumed = stdout.Split('\n').Single(l => l.StartsWith("Resumed from epoch ", StringComparison.Ordinal));
        output.WriteLine(resumed);
        output.WriteLine($"restarted run finished at {clock.Elapsed.TotalSeconds:F1}s");
        (code, _, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);
        output.WriteLine($"uninterrupted run finished at {clock.Elapsed.TotalSeconds:F1}s");

        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
        Assert.Equal(File.ReadAllText(root.File("out-a/history.json")), File.ReadAllText(Path.Combine(outB, "history.json")));
    }
}
