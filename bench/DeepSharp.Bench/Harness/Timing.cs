using System.Diagnostics;

namespace DeepSharp.Bench.Harness;

/// <summary>Wall-clock timing of an operation repeated until a minimum time has passed.</summary>
internal static class Timing
{
    /// <summary>Seconds per call of <paramref name="op"/>, run at least once and until <paramref name="minSeconds"/> have passed.</summary>
    public static double SecondsPerCall(Action op, double minSeconds)
    {
        long start = Stopwatch.GetTimestamp();
        int calls = 0;
        double elapsed;
        do
        {
            op();
            calls++;
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        } while (elapsed < minSeconds);
        return elapsed / calls;
    }

    public static double Seconds(Action op)
    {
        long start = Stopwatch.GetTimestamp();
        op();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
