namespace DeepSharp.Bench.Harness;

/// <summary>What the machine is and how busy it is, for the log and docs/benchmarks.md.</summary>
internal static class SystemInfo
{
    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    /// <summary>
    /// The model name with CPUID's family and model, e.g. "AMD EPYC 9R14 96-Core Processor (family 25 model 17)":
    /// virtual machines often mask the name ("Intel(R) Xeon(R) Processor"), and the family tells
    /// Zen 4 (25) from Zen 5 (26).
    /// </summary>
    public static string CpuModel()
    {
        try
        {
            string? name = null, family = null, model = null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                string Value() => line[(line.IndexOf(':') + 1)..].Trim();
                if (name is null && line.StartsWith("model name", StringComparison.Ordinal)) name = Value();
                else if (family is null && line.StartsWith("cpu family", StringComparison.Ordinal)) family = Value();
                else if (model is null && line.StartsWith("model\t", StringComparison.Ordinal)) model = Value();
                if (name is not null && family is not null && model is not null) break;
            }
            if (name is not null) return family is null ? name : $"{name} (family {family} model {model ?? "?"})";
        }
        catch (IOException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
