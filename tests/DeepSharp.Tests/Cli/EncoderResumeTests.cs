using System.Diagnostics;
using DeepSharp.Tests.Data;
using DeepSharp.Training.Callbacks;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// Fine-tuning from a pre-trained encoder resumes exactly: `train spam --encoder E --labels F
/// --checkpoint-dir` in a child process is killed with SIGKILL once checkpoints exist, started again
/// with the same arguments, and writes a model file byte for byte equal to an uninterrupted run's
/// (the trunk loaded from E, then the checkpoint's weights; the same labelled sample from --seed).
/// </summary>
public class EncoderResumeTests(ITestOutputHelper output)
{
    /// <summary>40 spam and 40 ham e-mails of typical words after a header block.</summary>
    private static void WriteEmails(string dir)
    {
        var random = new Random(8);
        string[] spamWords = ["buy", "cheap", "offer", "money", "click", "free"], hamWords = ["meeting", "lunch", "report", "notes", "tomorrow", "draft"];
        foreach (var (group, words) in new[] { ("spam-1", spamWords), ("easy-ham-1", hamWords) })
        {
            Directory.CreateDirectory(Path.Combine(dir, group));
            for (int i = 0; i < 40; i++)
                File.WriteAllText(Path.Combine(dir, group, $"{i:D3}.txt"),
                    $"From: someone{i}@example.com\nSubject: note {i}\n\n" + string.Join(' ', Enumerable.Range(0, 16).Select(_ => words[random.Next(words.Length)])));
        }
    }

    private static string[] Args(string data, string encoder, string checkpoints, string outDir) =>
    [
        "train", "spam", "--model", "transformer", "--encoder", encoder, "--labels", "0.5", "--data-dir", data,
        "--epochs", "8", "--batch-size", "2", "--threads", "1", "--seed", "5", "--no-validation",
        "--checkpoint-dir", checkpoints, "--checkpoint-every", "20", "--out", outDir,
    ];

    [Fact(Timeout = 240_000)]
    public async Task AKilledFineTuningRunResumesToTheSameBytes()
    {
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        WriteEmails(data);
        string encoder = root.File("encoder");
        var (code, _, stderr) = await CliTests.Run(null, "pretrain", "spam", "--out", encoder, "--epochs", "1", "--data-dir", data, "--threads", "1");
        Assert.True(code == 0, stderr);

        var uninterrupted = CliTests.Run(null, Args(data, encoder, root.File("ckpt-a"), root.File("out-a")));

        // 32 labelled e-mails in batches of 2: 16 steps an epoch, 128 in all; killed after the second checkpoint (step 40).
        string checkpoints = root.File("ckpt-b"), outB = root.File("out-b");
        string dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. Args(data, encoder, checkpoints, outB)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Process.Start(psi)!)
        {
            var drainOut = process.StandardOutput.ReadToEndAsync();
            var drainErr = process.StandardError.ReadToEndAsync();
            string previous = Path.Combine(checkpoints, BackupAndRestore.PreviousFileName);
            var waited = Stopwatch.StartNew();
            while (!File.Exists(previous) && !process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(120)) await Task.Delay(2);
            bool running = !process.HasExited;
            if (running) process.Kill(entireProcessTree: true); // SIGKILL: no handler, no flush, no cleanup
            await process.WaitForExitAsync();
            output.WriteLine($"child killed {waited.Elapsed.TotalSeconds:F2}s after its start; its output:\n{await drainOut}");
            Assert.True(running, "the run ended before it could be killed: " + await drainErr);
        }
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")), "the killed run had already finished");

        (code, var stdout, stderr) = await CliTests.Run(null, Args(data, encoder, checkpoints, outB));
        Assert.True(code == 0, stderr);
        Assert.Contains("Resumed from epoch ", stdout);
        Assert.Contains("fine-tuning ", stdout);
        (code, _, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
    }
}
