using DeepSharp.Bench.Harness;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (f) Peak working set over the multi-round training run of (a): every round resets the kernel's
/// peak counter (VmHWM) first, so each round reports its own peak; "flat" means the peak of the last
/// round is within max(16 MB, 5 %) of the second round's (the first includes JIT and first touches).
/// </summary>
internal static class WorkingSetWorkload
{
    private const double FlatBytes = 16e6, FlatFraction = 0.05;

    public static void Report(BenchContext bench, List<Reply>[] trainReplies)
    {
        var peaks = trainReplies.Select(rs => rs.Select(r => r.Get("peakWs")).ToArray()).ToArray();
        for (int w = 0; w < peaks.Length; w++)
            bench.Log($"(f) {bench.Runner.Workers[w].Label,-18} peak WS per round, MB: {string.Join(" ", peaks[w].Select(p => (p / 1e6).ToString("F0")))}");

        var overall = peaks.Select(p => Stats.Single(p.Max() / 1e6)).ToArray();
        bench.Table.Add(new ResultRow("(f) memory", "peak working set during training", "MB", HigherIsBetter: false, overall,
            Target: "flat across epochs", Verdict: Flatness(peaks[0])));
        var growth = peaks.Select(p => Stats.Single((p[^1] - p[Math.Min(1, p.Length - 1)]) / 1e6)).ToArray();
        bench.Table.Add(new ResultRow("(f) memory", $"peak growth, round 2 -> {peaks[0].Length}", "MB", HigherIsBetter: false, growth,
            NoRatio: true, Verdict: Flatness(peaks[0])));
    }

    private static string Flatness(double[] peaks)
    {
        if (peaks.Length < 3) return "too few rounds to tell";
        double baseline = peaks[1], last = peaks[^1];
        bool flat = last - baseline <= Math.Max(FlatBytes, FlatFraction * baseline);
        return flat ? "flat (yes)" : "GROWING (no)";
    }
}
