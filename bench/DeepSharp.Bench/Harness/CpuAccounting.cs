using System.Globalization;
using System.Runtime.InteropServices;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// Who used the CPUs while one worker ran a round: the other (idle) workers' processes and everything
/// outside the bench, from /proc (Linux; zeros elsewhere). A worker whose threads keep spinning after
/// its own round (OpenMP's, a pool's) shows up here as CPU taken from the worker being timed.
/// </summary>
internal static class CpuAccounting
{
    private const double TicksPerSecond = 100;   // USER_HZ, 100 on every Linux the bench runs on

    /// <summary>User + system CPU seconds of process <paramref name="pid"/> so far (0 when unreadable).</summary>
    public static double ProcessSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // fields from the 3rd (state) on
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds all CPUs spent busy (not idle, not waiting for I/O) so far, and the seconds stolen by the hypervisor.</summary>
    public static (double Busy, double Steal) MachineSeconds()
    {
        try
        {
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long T(int i) => i < f.Length ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
            long busy = T(1) + T(2) + T(3) + T(6) + T(7);   // user nice system irq softirq
            return (busy / TicksPerSecond, T(8) / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }
}

/// <summary>
/// This process's scheduler and memory counters (getrusage, all threads): context switches it chose
/// (blocking) and those forced on it (preemption), page faults. Zeros where getrusage is missing.
/// </summary>
internal readonly record struct ProcessCounters(long VoluntarySwitches, long ForcedSwitches, long MinorFaults, long MajorFaults)
{
    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);

    public static ProcessCounters Now()
    {
        var u = new long[18];   // struct rusage on 64-bit Linux: two timevals, then 14 longs
        try
        {
            if (!OperatingSystem.IsLinux() || GetRusage(0, u) != 0) return default;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return default;
        }
        return new ProcessCounters(u[16], u[17], u[8], u[9]);
    }

    public static ProcessCounters operator -(ProcessCounters a, ProcessCounters b) =>
        new(a.VoluntarySwitches - b.VoluntarySwitches, a.ForcedSwitches - b.ForcedSwitches, a.MinorFaults - b.MinorFaults, a.MajorFaults - b.MajorFaults);
}
