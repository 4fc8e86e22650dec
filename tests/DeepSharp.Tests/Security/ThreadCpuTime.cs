using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DeepSharp.Tests.Security;

/// <summary>
/// CPU time of the calling thread (Linux and macOS: clock_gettime(CLOCK_THREAD_CPUTIME_ID)), for growth checks
/// that must not depend on how loaded the machine is; elsewhere the wall clock, with the same use.
/// </summary>
internal static partial class ThreadCpuTime
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec value);

    private static readonly int s_clock = OperatingSystem.IsLinux() ? 3 : OperatingSystem.IsMacOS() ? 16 : -1;

    /// <summary>Seconds of CPU time this thread has used (or of wall time where the thread clock is not available).</summary>
    public static double Now()
    {
        if (s_clock >= 0 && ClockGetTime(s_clock, out var t) == 0) return t.Seconds + t.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private static readonly int s_processClock = OperatingSystem.IsLinux() ? 2 : OperatingSystem.IsMacOS() ? 12 : -1;

    /// <summary>
    /// Seconds of CPU time the whole process has used, every thread's (a reader may use the worker pool), or of
    /// wall time where that clock is not available: not stretched by other programs on a loaded machine.
    /// </summary>
    public static double ProcessNow()
    {
        if (s_processClock >= 0 && ClockGetTime(s_processClock, out var t) == 0) return t.Seconds + t.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    /// <summary>The least CPU time of <paramref name="repeats"/> runs of <paramref name="work"/> (after one warm-up run for the JIT).</summary>
    public static double Least(Action work, int repeats = 3)
    {
        work();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            double start = Now();
            work();
            best = Math.Min(best, Now() - start);
        }
        return best;
    }
}
