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

    /// <summary>
    /// As <see cref="PerCall"/>, and what happened inside the round: each call's wall time, this
    /// process's context switches and page faults, and the .NET collections and their pauses.
    /// </summary>
    public static CallProfile Profile(Action op, double minSeconds)
    {
        var times = new List<double>();
        int gc0 = GC.CollectionCount(0), gc1 = GC.CollectionCount(1), gc2 = GC.CollectionCount(2);
        var pause0 = GC.GetTotalPauseDuration();
        long jitted0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime0 = System.Runtime.JitInfo.GetCompilationTime();
        var counters0 = ProcessCounters.Now();
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        double elapsed;
        do
        {
            long t = Stopwatch.GetTimestamp();
            op();
            times.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        } while (elapsed < minSeconds);
        double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        var counters = ProcessCounters.Now() - counters0;
        var calls = Stats.Of(times);
        return new CallProfile(elapsed / times.Count, cpu / times.Count, calls, counters,
            GC.CollectionCount(0) - gc0, GC.CollectionCount(1) - gc1, GC.CollectionCount(2) - gc2,
            (GC.GetTotalPauseDuration() - pause0).TotalSeconds,
            System.Runtime.JitInfo.GetCompiledMethodCount() - jitted0, (System.Runtime.JitInfo.GetCompilationTime() - jitTime0).TotalSeconds);
    }
}

/// <summary>One round of repeated calls: means per call, the spread of the calls, and what disturbed them.</summary>
internal sealed record CallProfile(double WallSeconds, double CpuSeconds, Stats Calls, ProcessCounters Counters,
    int Gen0, int Gen1, int Gen2, double GcPauseSeconds, long MethodsJitted, double JitSeconds)
{
    /// <summary>Adds every figure to <paramref name="reply"/> (seconds, cpu, call_min/med/max, calls, the counters).</summary>
    public Reply AddTo(Reply reply)
    {
        reply["seconds"] = WallSeconds;
        reply["cpu"] = CpuSeconds;
        reply["calls"] = Calls.Count;
        reply["call_min"] = Calls.Min;
        reply["call_med"] = Calls.Median;
        reply["call_max"] = Calls.Max;
        reply["vcsw"] = Counters.VoluntarySwitches;
        reply["ivcsw"] = Counters.ForcedSwitches;
        reply["minflt"] = Counters.MinorFaults;
        reply["gc"] = Gen0 + Gen1 * 1000 + Gen2 * 1_000_000;
        reply["gc_pause"] = GcPauseSeconds;
        reply["jitted"] = MethodsJitted;
        reply["jit"] = JitSeconds;
        return reply;
    }

    /// <summary>One log line from a reply that <see cref="AddTo"/> filled (and <see cref="AbRunner"/> annotated).</summary>
    public static string Describe(Reply r)
    {
        int gc = (int)r.Get("gc");
        return $"{r.Get("seconds") * 1e3,7:F2} ms/call (cpu {r.Get("cpu") * 1e3,6:F2}; {r.Get("calls"),3:F0} calls " +
               $"{r.Get("call_min") * 1e3:F2}/{r.Get("call_med") * 1e3:F2}/{r.Get("call_max") * 1e3:F2}); " +
               $"switches {r.Get("vcsw"):F0} blocking {r.Get("ivcsw"):F0} preempted; faults {r.Get("minflt"):F0}; " +
               $"gc {gc % 1000}/{gc / 1000 % 1000}/{gc / 1_000_000} pause {r.Get("gc_pause") * 1e3:F1} ms; " +
               $"jit {r.Get("jitted"):F0} methods {r.Get("jit") * 1e3:F0} ms; " +
               $"idle workers {r.Get(AbRunner.OthersCpu) * 1e3:F0} ms cpu, outside {r.Get(AbRunner.OutsideCpu) * 1e3:F0} ms, steal {r.Get(AbRunner.Steal) * 1e3:F0} ms" +
               (r.TryGetValue("c2c_ns", out double trip) ? $"; core-to-core round trip after it {trip:F0} ns" : "");
    }
}
