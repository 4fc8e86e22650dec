namespace DeepSharp.Bench.Harness;

/// <summary>
/// Resident memory of this process. Linux keeps the peak (VmHWM, what Process.PeakWorkingSet64
/// reads); writing "5" to /proc/self/clear_refs resets it, so one run's peak can be read alone.
/// </summary>
internal static class MemoryProbe
{
    /// <summary>Resets the peak to the current working set; false where the kernel does not allow it.</summary>
    public static bool ResetPeak()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public static long PeakWorkingSet()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }

    public static long WorkingSet()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.WorkingSet64;
    }
}
