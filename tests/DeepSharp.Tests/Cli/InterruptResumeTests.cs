using System.Diagnostics;
using DeepSharp.Tests.Data;
using DeepSharp.Training.Callbacks;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// Ctrl-C in `deepsharp train` (mnist, names and spam): SIGINT to the child process mid-epoch stops training at a step
/// boundary, exits with 130 and says how to resume; with --checkpoint-dir the checkpoint of that
/// step is on disk and the same command started again ends with the bytes of an uninterrupted run;
/// without it, the checkpoint goes under --out and the printed command resumes to the same bytes.
/// </summary>
public class InterruptResumeTests(ITestOutputHelper output)
{
    private static string[] Args(string data, string outDir, int epochs, string? checkpoints) =>
    [
        "train", "mnist", "--data-dir", data, "--epochs", epochs.ToString(), "--batch-size", "4", "--threads", "2", "--seed", "7", "--out", outDir,
        .. checkpoints is null ? Array.Empty<string>() : ["--checkpoint-dir", checkpoints, "--checkpoint-every", "25"],
    ];

    /// <summary>Starts the CLI, waits until <paramref name="ready"/> says Fit is running, sends SIGINT; returns the exit code and output.</summary>
    private async Task<(int Code, string Out, string Err)> Interrupt(string[] args, Func<string, bool> ready)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        // Through env(1) with SIGINT reset to its default: a test run started in the background by a
        // non-interactive shell inherits SIGINT ignored, and .NET (as nohup expects) keeps it ignored.
        var psi = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stdout = new System.Text.StringBuilder();
        var readyNow = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (ready(e.Data)) readyNow.TrySetResult();
        };
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        var waited = Stopwatch.StartNew();
        while (!readyNow.Task.IsCompleted && !process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (ready("")) break; // a condition on files rather than output
            await Task.Delay(2);
        }
        bool running = !process.HasExited;
        if (running) Process.Start("kill", ["-s", "INT", process.Id.ToString()])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        string err = await stderr;
        Assert.True(running, "the run ended before it could be interrupted: " + err);
        lock (stdout) return (process.ExitCode, stdout.ToString(), err);
    }

    [Fact(Timeout = 180_000)]
    public async Task CtrlCStopsAtAStepAndTheSameCommandResumesToTheSameBytes()
    {
        if (!OperatingSystem.IsLinux()) return; // sends SIGINT with kill(1)
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        var uninterrupted = CliTests.Run(null, Args(data, root.File("out-a"), 2, root.File("ckpt-a")));

        // Interrupted once checkpoints exist (after step 25 of 128 in epoch 1).
        string checkpoints = root.File("ckpt-b"), outB = root.File("out-b");
        string latest = Path.Combine(checkpoints, BackupAndRestore.LatestFileName);
        var (code, stdout, stderr) = await Interrupt(Args(data, outB, 2, checkpoints), _ => File.Exists(latest));
        output.WriteLine(stdout + stderr);
        Assert.Equal(130, code);
        Assert.Contains("stopping after the current step", stderr);
        Assert.Contains($"Checkpoint of that step saved in {checkpoints}: run the same command again to resume from it exactly.", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")));
        Assert.True(File.Exists(latest));

        (code, stdout, stderr) = await CliTests.Run(null, Args(data, outB, 2, checkpoints));
        Assert.True(code == 0, stderr);
        output.WriteLine(stdout.Split('\n').Single(l => l.StartsWith("Resumed from epoch ", StringComparison.Ordinal)));
        (code, _, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
        Assert.Equal(File.ReadAllText(root.File("out-a/history.json")), File.ReadAllText(Path.Combine(outB, "history.json")));
    }

    [Fact(Timeout = 180_000)]
    public async Task WithoutACheckpointFolderCtrlCSavesUnderOutAndPrintsTheCommandThatResumes()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        var uninterrupted = CliTests.Run(null, Args(data, root.File("out-a"), 12, null));

        // Redirected output prints a line per finished epoch: after the first, Fit is running the second of twelve
        // (an epoch here is ~40 ms on a fast machine: with three, the run could end before SIGINT arrived).
        string outB = root.File("out-b");
        var args = Args(data, outB, 12, null);
        var (code, stdout, stderr) = await Interrupt(args, line => line.StartsWith("Epoch 1/12", StringComparison.Ordinal));
        output.WriteLine(stdout + stderr);
        Assert.Equal(130, code);
        Assert.Contains("deepsharp: interrupted in epoch ", stderr);
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")));
        string checkpoints = Assert.Single(Directory.GetDirectories(outB, "interrupted-*"));
        Assert.Matches(@"interrupted-\d{8}-\d{6}$", checkpoints);
        Assert.True(File.Exists(Path.Combine(checkpoints, BackupAndRestore.LatestFileName)));
        Assert.Contains($"Checkpoint of that step saved in {checkpoints}; to resume from it exactly, run:", stderr);
        string[] resume = [.. args, "--checkpoint-dir", checkpoints];
        Assert.Contains("  deepsharp " + string.Join(' ', resume), stderr.Split('\n'));
        Assert.DoesNotContain("   at ", stderr);

        string stopped = stderr;
        (code, stdout, stderr) = await CliTests.Run(null, resume);
        Assert.True(code == 0, stderr);
        AssertResumedWhereItStopped(stopped, stdout);
        (code, _, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);
        Assert.Empty(Directory.GetDirectories(root.File("out-a"))); // a run that was not interrupted writes no checkpoint
        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
        Assert.Equal(File.ReadAllText(root.File("out-a/history.json")), File.ReadAllText(Path.Combine(outB, "history.json")));
    }

    /// <summary>240 made-up names (syllables drawn with a fixed seed), one per line, as names.txt.</summary>
    private static void WriteNames(string dir)
    {
        var random = new Random(3);
        string[] syllables = ["an", "na", "el", "la", "ri", "ma", "lo", "ve", "sa", "be", "th", "ra", "ne", "li"];
        var names = Enumerable.Range(0, 240).Select(_ =>
        {
            string name = string.Concat(Enumerable.Range(0, 2 + random.Next(3)).Select(_ => syllables[random.Next(syllables.Length)]));
            return char.ToUpperInvariant(name[0]) + name[1..];
        });
        File.WriteAllLines(Path.Combine(dir, "names.txt"), names);
    }

    /// <summary>
    /// The resumed run starts at the step the interrupted one saved. Where the signal lands depends on
    /// the machine's speed (a short epoch can end before it arrives), so the step is read from the stop's message.
    /// </summary>
    private static void AssertResumedWhereItStopped(string interruptedStderr, string resumedStdout)
    {
        var stop = System.Text.RegularExpressions.Regex.Match(interruptedStderr, @"interrupted in epoch (\d+) after (\d+) step");
        Assert.True(stop.Success, interruptedStderr);
        Assert.Contains($"Resumed from epoch {stop.Groups[1].Value} step {stop.Groups[2].Value} ", resumedStdout);
    }

    /// <summary>Ctrl-C in `train names` without --checkpoint-dir: the stop is saved under --out and the printed command resumes it to the bytes of an uninterrupted run.</summary>
    [Fact(Timeout = 180_000)]
    public async Task CtrlCInTrainNamesSavesTheStopAndThePrintedCommandResumesIt()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        WriteNames(data);
        string[] NamesArgs(string outDir) =>
            ["train", "names", "--model", "lstm", "--data-dir", data, "--epochs", "8", "--batch-size", "4", "--threads", "2", "--seed", "5", "--out", outDir];
        var uninterrupted = CliTests.Run(null, NamesArgs(root.File("out-a")));

        string outB = root.File("out-b");
        var args = NamesArgs(outB);
        var (code, stdout, stderr) = await Interrupt(args, line => line.StartsWith("Epoch 1/8", StringComparison.Ordinal));
        output.WriteLine(stdout + stderr);
        Assert.Equal(130, code);
        Assert.Contains("deepsharp: interrupted in epoch ", stderr);
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")));
        string checkpoints = Assert.Single(Directory.GetDirectories(outB, "interrupted-*"));
        Assert.True(File.Exists(Path.Combine(checkpoints, BackupAndRestore.LatestFileName)));
        string[] resume = [.. args, "--checkpoint-dir", checkpoints];
        Assert.Contains("  deepsharp " + string.Join(' ', resume), stderr.Split('\n'));
        Assert.DoesNotContain("   at ", stderr);

        string stopped = stderr;
        (code, stdout, stderr) = await CliTests.Run(null, resume);
        Assert.True(code == 0, stderr);
        AssertResumedWhereItStopped(stopped, stdout);
        string validation = stdout.Split('\n').Single(l => l.StartsWith("Validation: ", StringComparison.Ordinal)) is var line
            ? line[..(line.LastIndexOf(')') + 1)] : ""; // without the timing after it
        (code, var first, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);
        Assert.Contains(validation, first);
        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
        Assert.Equal(File.ReadAllText(root.File("out-a/vocabulary.json")), File.ReadAllText(Path.Combine(outB, "vocabulary.json")));
    }

    /// <summary>200 e-mails of 12 words, spam (spam-1) and ham (easy-ham-1), in the package's layout.</summary>
    private static void WriteEmails(string dir)
    {
        var random = new Random(8);
        string[] spamWords = ["buy", "cheap", "offer", "money", "click", "free"], hamWords = ["meeting", "lunch", "report", "notes", "tomorrow", "team"];
        foreach (var (group, words) in new[] { ("spam-1", spamWords), ("easy-ham-1", hamWords) })
        {
            Directory.CreateDirectory(Path.Combine(dir, group));
            for (int i = 0; i < 100; i++)
                File.WriteAllText(Path.Combine(dir, group, $"{i:D3}.txt"), string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])));
        }
    }

    /// <summary>Ctrl-C in `train spam --checkpoint-dir`: the checkpoint of the stop is there, and the same command resumes to the bytes of an uninterrupted run.</summary>
    [Fact(Timeout = 180_000)]
    public async Task CtrlCInTrainSpamStopsAtAStepAndTheSameCommandResumes()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        WriteEmails(data);
        string[] SpamArgs(string outDir, string checkpoints) =>
        [
            "train", "spam", "--data-dir", data, "--epochs", "3", "--batch-size", "4", "--threads", "2", "--seed", "9", "--out", outDir,
            "--checkpoint-dir", checkpoints, "--checkpoint-every", "10",
        ];
        var uninterrupted = CliTests.Run(null, SpamArgs(root.File("out-a"), root.File("ckpt-a")));

        // Interrupted once the first checkpoint exists (after step 10 of 40 in epoch 1).
        string checkpoints = root.File("ckpt-b"), outB = root.File("out-b");
        string latest = Path.Combine(checkpoints, BackupAndRestore.LatestFileName);
        var (code, stdout, stderr) = await Interrupt(SpamArgs(outB, checkpoints), _ => File.Exists(latest));
        output.WriteLine(stdout + stderr);
        Assert.Equal(130, code);
        Assert.Contains($"Checkpoint of that step saved in {checkpoints}: run the same command again to resume from it exactly.", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(Path.Combine(outB, "model.safetensors")));

        (code, stdout, stderr) = await CliTests.Run(null, SpamArgs(outB, checkpoints));
        Assert.True(code == 0, stderr);
        Assert.Contains("Resumed from epoch ", stdout);
        string accuracy = stdout.Split('\n').Single(l => l.StartsWith("Test accuracy: ", StringComparison.Ordinal)).Split(" (spam class;")[0];
        (code, var first, stderr) = await uninterrupted;
        Assert.True(code == 0, stderr);
        Assert.Contains(accuracy, first);
        Assert.Equal(File.ReadAllBytes(root.File("out-a/model.safetensors")), File.ReadAllBytes(Path.Combine(outB, "model.safetensors")));
    }

    [Fact]
    public void ResumeCommandQuotesWhatAShellWouldSplit()
    {
        Assert.Equal("--data-dir", DeepSharp.Cli.Commands.TrainingInterrupt.ShellQuote("--data-dir"));
        Assert.Equal("/tmp/a_b-1.x", DeepSharp.Cli.Commands.TrainingInterrupt.ShellQuote("/tmp/a_b-1.x"));
        Assert.Equal("'my data'", DeepSharp.Cli.Commands.TrainingInterrupt.ShellQuote("my data"));
        Assert.Equal("'it'\\''s'", DeepSharp.Cli.Commands.TrainingInterrupt.ShellQuote("it's"));
        Assert.Equal("''", DeepSharp.Cli.Commands.TrainingInterrupt.ShellQuote(""));
    }
}
