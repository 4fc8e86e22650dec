using System.Globalization;
using System.Text;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// The roofline summary: for each workload with a known FLOP count, the achieved GFLOP/s of every
/// worker (DeepSharp first) and that as a percentage of the FMA peak the bench measured. Workloads
/// add their medians as they finish; the table is printed after the results.
/// </summary>
internal sealed class Roofline(IReadOnlyList<string> workerLabels)
{
    private readonly List<(string Workload, double[] Gflops)> _rows = [];

    /// <summary>A workload timed in seconds per call: <paramref name="flopPerCall"/> / median seconds, per worker.</summary>
    public void AddSeconds(string workload, double flopPerCall, Stats[] secondsPerCall) =>
        _rows.Add((workload, secondsPerCall.Select(s => s.Count == 0 ? double.NaN : flopPerCall / s.Median / 1e9).ToArray()));

    /// <summary>A workload measured as a rate (images/s, tokens/s): <paramref name="flopPerItem"/> × median rate, per worker.</summary>
    public void AddRate(string workload, double flopPerItem, Stats[] itemsPerSecond) =>
        _rows.Add((workload, itemsPerSecond.Select(s => s.Count == 0 ? double.NaN : flopPerItem * s.Median / 1e9).ToArray()));

    /// <summary>A workload that measured GFLOP/s itself.</summary>
    public void AddGflops(string workload, Stats[] gflops) =>
        _rows.Add((workload, gflops.Select(s => s.Count == 0 ? double.NaN : s.Median).ToArray()));

    /// <summary>Number of rows collected.</summary>
    public int Count => _rows.Count;

    /// <summary>GFLOP/s and % of <paramref name="peakGflops"/> per worker, one Markdown row per workload.</summary>
    public string Render(double peakGflops)
    {
        var sb = new StringBuilder();
        bool havePeak = double.IsFinite(peakGflops) && peakGflops > 0;
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"== Roofline: achieved GFLOP/s (analytic FLOP count / median time) and % of the measured FMA peak ({(havePeak ? peakGflops.ToString("F0", CultureInfo.InvariantCulture) + " GFLOP/s" : "not measured")})");
        var header = new List<string> { "workload" };
        foreach (var label in workerLabels) { header.Add($"{label} GFLOP/s"); header.Add("% peak"); }
        var lines = new List<string[]> { header.ToArray() };
        foreach (var (workload, gflops) in _rows)
        {
            var cells = new List<string> { workload };
            for (int w = 0; w < workerLabels.Count; w++)
            {
                double g = w < gflops.Length ? gflops[w] : double.NaN;
                cells.Add(double.IsFinite(g) ? ResultTable.Number(g) : "-");
                cells.Add(double.IsFinite(g) && havePeak ? (100 * g / peakGflops).ToString("F0", CultureInfo.InvariantCulture) + " %" : "-");
            }
            lines.Add(cells.ToArray());
        }
        var widths = new int[header.Count];
        foreach (var l in lines)
            for (int c = 0; c < l.Length; c++) widths[c] = Math.Max(widths[c], l[c].Length);
        for (int i = 0; i < lines.Count; i++)
        {
            sb.Append('|');
            for (int c = 0; c < lines[i].Length; c++) sb.Append(' ').Append(lines[i][c].PadRight(widths[c])).Append(" |");
            sb.AppendLine();
            if (i == 0)
            {
                sb.Append('|');
                foreach (int w in widths) sb.Append(new string('-', w + 2)).Append('|');
                sb.AppendLine();
            }
        }
        sb.AppendLine("   Convolutions count the direct algorithm's FLOPs (2·N·Ho·Wo·Cout·Cin·Kh·Kw); Winograd layers do fewer");
        sb.AppendLine("   multiplications for the same result, so their effective rate can pass the FMA peak.");
        return sb.ToString();
    }
}
