using System.Diagnostics;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Training.Callbacks;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 8 on the command line: two runs into one <c>--checkpoint-dir</c> (the second is
/// refused at once, naming the folder; the lock dies with a SIGKILLed holder), and restarts with
/// another <c>--seed</c> or <c>--batch-size</c> (refused, naming the setting, nothing changed).
/// </summary>
public class CheckpointCliTests(ITestOutputHelper output)
{
    private static string[] Args(string data, string checkpoints, string seed = "7", string batch = "4") =>
    [
        // 500 epochs: the first run trains until it is killed.
        "train", "mnist", "--data-dir", data, "--epochs", "500", "--batch-size", batch, "--threads", "1", "--seed", seed,
        "--checkpoint-dir", checkpoints, "--checkpoint-every", "10",
    ];

    [Fact(Timeout = 180_000)]
    public async Task OneRunPerFolderAndOnlyWithItsOwnSettings()
    {
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        string checkpoints = root.File("ckpt");

        string dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. Args(data, checkpoints)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var first = Process.Start(psi)!;
        var drainOut = first.StandardOutput.ReadToEndAsync();
        var drainErr = first.StandardError.ReadToEndAsync();
        try
        {
            var waited = Stopwatch.StartNew();
            string previous = Path.Combine(checkpoints, BackupAndRestore.PreviousFileName);
            while (!File.Exists(previous) && !first.HasExited && waited.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(10);
            if (first.HasExited) Assert.Fail("the first run ended early: " + await drainErr);

            // A second run into the same folder while the first trains.
            output.WriteLine($"first run has saved after {waited.Elapsed.TotalSeconds:F1}s: {string.Join(", ", Directory.GetFiles(checkpoints).Select(Path.GetFileName))}");
            var (code, _, err) = await CliTests.Run(null, Args(data, checkpoints));
            output.WriteLine($"second run: exit {code}: {err.Trim()}");
            Assert.Equal(1, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains($"Checkpoint folder '{checkpoints}' is in use by another training run", err);
            Assert.False(first.HasExited, "the first run was disturbed");
        }
        finally
        {
            if (!first.HasExited) first.Kill(entireProcessTree: true); // SIGKILL: the OS drops its lock
            await first.WaitForExitAsync();
        }
        _ = await drainOut;
        var files = Directory.GetFiles(checkpoints).Order(StringComparer.Ordinal).ToDictionary(p => p, File.ReadAllBytes);

        // Restarts with other settings: refused, naming them, and nothing in the folder changes.
        foreach (var (args, expected) in new[]
        {
            (Args(data, checkpoints, seed: "8"), "--seed 7 in the checkpoint, 8 in this run"),
            (Args(data, checkpoints, batch: "8"), "batch_size 4 in the checkpoint, 8 in this run"),
            ([.. Args(data, checkpoints), "--optimizer", "sgd"], "--optimizer (not set) in the checkpoint, sgd in this run"),
            ([.. Args(data, checkpoints), "--gradient-accumulation", "2"], "gradient_accumulation_steps (not set) in the checkpoint, 2 in this run"),
        })
        {
            var (code, _, err) = await CliTests.Run(null, args);
            output.WriteLine($"restart: exit {code}: {err.Trim()}");
            Assert.Equal(1, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(expected, err);
            Assert.Contains(checkpoints, err);
            Assert.Equal(files.Keys, Directory.GetFiles(checkpoints).Order(StringComparer.Ordinal));
            foreach (var (path, bytes) in files)
                if (Path.GetFileName(path) != BackupAndRestore.LockFileName) Assert.Equal(bytes, File.ReadAllBytes(path)); // the lock file holds the holder's process id
        }
    }
}
