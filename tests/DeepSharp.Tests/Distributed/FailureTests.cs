using System.Diagnostics;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// A job never hangs on a failed rank: an exception aborts every rank with a message naming the
/// rank; a rank killed with SIGKILL ends the job within seconds (mpiexec names its process, which
/// each rank's start-up line maps to the rank); ranks with different models are refused at the start.
/// </summary>
[Collection("mpi")]
public sealed class FailureTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task AnExceptionOnOneRankAbortsTheJobNamingTheRank()
    {
        var result = await MpiJob.Run(2, null, TimeSpan.FromSeconds(60),
            "train", "--out", _root.File("fail"), "--model", "small", "--steps", "50", "--fail-rank", "1", "--fail-step", "3");
        Assert.True(result.Code != 0 && result.Err.Contains("rank 1 of 2 failed: InvalidOperationException: injected failure at step 3", StringComparison.Ordinal),
            $"exit code {result.Code}, output:\n{result.All}");
        Assert.Contains("aborting the job from rank 1", result.Err);
    }

    [Fact(Timeout = 120_000)]
    public async Task DifferentModelsAreRefusedAtTheStart()
    {
        var result = await MpiJob.Run(2, null, TimeSpan.FromSeconds(60), "mismatch");
        Assert.NotEqual(0, result.Code);
        Assert.Contains("rank 1's model differs from rank 0's", result.Err);
        Assert.DoesNotContain("trained although", result.Out);
    }

    [Fact(Timeout = 120_000)]
    public async Task TrainOnBatchOnSeveralRanksIsRefused()
    {
        var result = await MpiJob.Run(2, null, TimeSpan.FromSeconds(60), "train-on-batch");
        Assert.True(result.Code == 0, result.All);
        Assert.Contains("rank 0: TrainOnBatch trains one process only", result.Out);
        Assert.Contains("rank 1: TrainOnBatch trains one process only", result.Out);
    }

    [Fact] // bounded by its own waits (30 s to start, 20 s to end)
    public void ARankKilledMidRunEndsTheJobWithinSeconds()
    {
        string dir = _root.File("kill");
        var psi = new ProcessStartInfo(MpiJob.Mpiexec(), ["-n", "2", "dotnet", MpiJob.Host, "train", "--out", dir, "--model", "small", "--steps", "400", "--slow-ms", "20"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var job = Process.Start(psi)!;
        var output = MpiJob.Drain(job);
        string pidFile = Path.Combine(dir, "pid-rank1");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(pidFile) && !job.HasExited && waited.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
        Assert.True(File.Exists(pidFile), "rank 1 never started: " + (job.HasExited ? output.Invoke() : ""));
        Thread.Sleep(1500); // into the steps (each waits 20 ms)
        Assert.False(job.HasExited, "the job ended before rank 1 could be killed: " + (job.HasExited ? output.Invoke() : ""));
        int pid = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
        using (var rank1 = Process.GetProcessById(pid)) rank1.Kill(); // SIGKILL
        var clock = Stopwatch.StartNew();
        if (!job.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            job.Kill(entireProcessTree: true);
            Assert.Fail("the job still ran 20 s after one of its ranks was killed");
        }
        var elapsed = clock.Elapsed;
        job.WaitForExit();
        string all = output.Invoke();
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the job took {elapsed.TotalSeconds:F1}s to end");
        Assert.NotEqual(0, job.ExitCode);
        Assert.Contains($"PID {pid}", all);                      // mpiexec names the dead process...
        Assert.Contains($"rank 1 of 2 is process {pid}", all);   // ...which the rank's start-up line names
    }
}
