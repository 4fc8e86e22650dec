using System.Diagnostics;
using DeepSharp.Tests.Data;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// A 2-rank job checkpointing every 5 steps (rank 0 writes) has a rank killed with SIGKILL mid-run;
/// restarted on 3 ranks from the checkpoint, it ends with the weights of an uninterrupted one-rank
/// run, bit for bit: in deterministic mode every rank holds the same state, so a checkpoint resumes on
/// any number of ranks.
/// </summary>
[Collection("mpi")]
public sealed class KillResumeAcrossRanksTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 240_000)]
    public async Task KilledOnTwoRanksResumesOnThreeToTheUninterruptedWeights()
    {
        string[] args = ["--model", "small", "--steps", "40", "--batch", "96", "--checkpoint-every", "5"];
        string whole = await MpiJob.Train(_root.Path, "whole", 0, null, [.. args, "--checkpoint-dir", _root.File("ckpt-whole")]);

        string dir = _root.File("killed"), checkpoints = _root.File("ckpt");
        var psi = new ProcessStartInfo(MpiJob.Mpiexec(), ["-n", "2", "dotnet", MpiJob.Host, "train", "--out", dir, .. args, "--checkpoint-dir", checkpoints, "--slow-ms", "40"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var job = Process.Start(psi)!)
        {
            var output = MpiJob.Drain(job);
            string previous = Path.Combine(checkpoints, BackupAndRestore.PreviousFileName);
            var waited = Stopwatch.StartNew();
            while (!File.Exists(previous) && !job.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60)) await Task.Run(() => Thread.Sleep(10));
            await Task.Run(() => Thread.Sleep(60)); // between checkpoints, mid-step
            Assert.False(job.HasExited, "the job ended before a rank could be killed: " + (job.HasExited ? output.Invoke() : ""));
            int pid = int.Parse(File.ReadAllText(Path.Combine(dir, "pid-rank1")), System.Globalization.CultureInfo.InvariantCulture);
            using (var rank1 = Process.GetProcessById(pid)) rank1.Kill();
            Assert.True(await Task.Run(() => job.WaitForExit(TimeSpan.FromSeconds(20))), "the job did not end after its rank 1 was killed");
            job.WaitForExit();
            Assert.NotEqual(0, job.ExitCode);
            Assert.False(File.Exists(Path.Combine(dir, "weights-rank0.bin")), "the killed job had already finished");
        }

        var resumed = await MpiJob.Run(3, null, TimeSpan.FromSeconds(90), ["train", "--out", _root.File("resumed"), .. args, "--checkpoint-dir", checkpoints]);
        Assert.True(resumed.Code == 0, resumed.All);
        // Resumed, not restarted (a restart would reach the same bits too): rank 0's output says where.
        var at = System.Text.RegularExpressions.Regex.Match(resumed.Out, @"rank 0 resumed at step (\d+)");
        Assert.True(at.Success && int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 10, resumed.All);
        MpiJob.AssertBitwiseEqual(whole, _root.File("resumed"), 3);
    }
}
