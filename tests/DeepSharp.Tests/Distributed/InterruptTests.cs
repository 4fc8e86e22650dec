using System.Diagnostics;
using System.Globalization;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// Ctrl-C under mpiexec: a SIGINT that reaches one rank only (mpiexec forwards the user's to all)
/// stops every rank after the same step — each step's all-gather of the loss carries the request —
/// rank 0 saves that step's checkpoint, and the run resumed on 3 ranks ends with the uninterrupted
/// run's weights, bit for bit.
/// </summary>
[Collection("mpi")]
public sealed class InterruptTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 240_000)]
    public async Task SigintOnOneRankStopsEveryRankAtTheSameStepAndResumes()
    {
        string[] args = ["--model", "small", "--steps", "40", "--batch", "96", "--checkpoint-every", "5"];
        string whole = await MpiJob.Train(_root.Path, "whole", 0, null, [.. args, "--checkpoint-dir", _root.File("ckpt-whole")]);

        string dir = _root.File("stopped"), checkpoints = _root.File("ckpt");
        var psi = new ProcessStartInfo(MpiJob.Mpiexec(), ["-n", "2", "dotnet", MpiJob.Host, "train", "--out", dir, .. args, "--checkpoint-dir", checkpoints, "--slow-ms", "60", "--interruptible", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var job = Process.Start(psi)!)
        {
            var output = MpiJob.Drain(job);
            var waited = Stopwatch.StartNew();
            string latest = Path.Combine(checkpoints, DeepSharp.Training.Callbacks.BackupAndRestore.LatestFileName);
            while (!File.Exists(latest) && !job.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60)) await Task.Run(() => Thread.Sleep(10));
            Assert.False(job.HasExited, "the job ended before it could be interrupted: " + (job.HasExited ? output.Invoke() : ""));
            int pid = int.Parse(File.ReadAllText(Path.Combine(dir, "pid-rank1")), CultureInfo.InvariantCulture);
            using (var kill = Process.Start("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(await Task.Run(() => job.WaitForExit(TimeSpan.FromSeconds(30))), "the job did not stop after SIGINT");
            job.WaitForExit();
            var (stdout, stderr) = output.Parts();
            Assert.True(job.ExitCode == 3, stdout + stderr); // both ranks stopped (the host's code for a stop), no abort
            var steps = System.Text.RegularExpressions.Regex.Matches(stdout, @"rank (\d) stopped after step (\d+)").Select(m => m.Groups[2].Value).ToList();
            Assert.Equal(2, steps.Count);
            Assert.Equal(steps[0], steps[1]);
            Assert.True(int.Parse(steps[0], CultureInfo.InvariantCulture) < 40, stdout);
        }

        var resumed = await MpiJob.Run(3, null, TimeSpan.FromSeconds(90), ["train", "--out", _root.File("resumed"), .. args, "--checkpoint-dir", checkpoints]);
        Assert.True(resumed.Code == 0, resumed.All);
        Assert.Matches(@"rank 0 resumed at step [1-9]", resumed.Out);
        MpiJob.AssertBitwiseEqual(whole, _root.File("resumed"), 3);
    }
}
