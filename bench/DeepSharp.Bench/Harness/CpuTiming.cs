using System.Diagnostics;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// Wall time and process CPU time (all threads) per call of an operation repeated until a minimum
/// wall time has passed. On a shared machine the CPU time is the figure load disturbs least (with
/// --threads 1 it is the time the work itself took; with more threads it also counts spinning).
/// </summary>
internal static class CpuTiming
{
    public static (double WallSeconds, double CpuSeconds) PerCall(Action op, double minSeconds)
    {
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        int calls = 0;
        double elapsed;
        do
        {
            op();
            calls++;
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        } while (elapsed < minSeconds);
        return (elapsed / calls, (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / calls);
    }
}
