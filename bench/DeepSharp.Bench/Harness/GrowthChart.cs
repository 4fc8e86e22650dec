using System.Globalization;
using System.Text;
using DeepSharp.Bench.Workloads;
using ScottPlot;
using Drawing = DeepSharp.Plots.Drawing;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// Writes the growth mode's results: a CSV of every point, and two PNG charts through the plots
/// project's ScottPlot helpers (its font, sizes, palette and atomic write). Both axes of the batch
/// chart are logarithmic (time per sample spans decades from batch 1 to 512); the width chart has a
/// logarithmic width axis and GFLOP/s from 0 with the measured FMA peak drawn as a dashed line.
/// </summary>
internal static class GrowthChart
{
    /// <summary>CSV header, one column per <see cref="GrowthPoint"/> field.</summary>
    public const string CsvHeader = "sweep,batch,channels,size,pass,framework,seconds_per_call,us_per_sample,gflops,percent_of_peak,best_seconds_per_call";

    public static string WriteCsv(IReadOnlyList<GrowthPoint> points, string path)
    {
        var sb = new StringBuilder().AppendLine(CsvHeader);
        foreach (var p in points)
            sb.AppendLine(string.Join(',',
                p.Sweep, I(p.Batch), I(p.Width), I(p.Size), p.Pass, p.Framework.Replace(',', ' '),
                D(p.SecondsPerCall), D(p.MicrosecondsPerSample), D(p.Gflops), D(p.PercentOfPeak), D(p.BestSecondsPerCall)));
        AtomicFile.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Time per sample (µs) against batch, both logarithmic; one line per framework and pass.</summary>
    public static string DrawBatch(IReadOnlyList<GrowthPoint> points, GrowthWorkload.Options o, string machine, string path)
    {
        var batch = points.Where(p => p.Sweep == "batch").ToList();
        if (batch.Count == 0) throw new ArgumentException("No point of the batch sweep to draw.", nameof(points));
        using var plot = Drawing.NewPlot($"Conv2D 3x3 'same', {o.Size}x{o.Size}x{o.Width} -> {o.Width}: time per sample",
            "batch size (log scale)", "microseconds per sample (log scale)");
        AddLines(plot, batch, p => p.Batch, p => Math.Log10(p.MicrosecondsPerSample));
        plot.Axes.Bottom.TickGenerator = PowersOfTwo(batch.Select(p => p.Batch));
        plot.Axes.Left.TickGenerator = LogTicks(batch.Select(p => p.MicrosecondsPerSample));
        Finish(plot, $"Conv2D 3x3 'same', {o.Size}x{o.Size}x{o.Width} -> {o.Width}: time per sample", machine);
        Drawing.SavePng(plot, path, 1000, 560);
        return path;
    }

    /// <summary>GFLOP/s against width (channels in = out, logarithmic) with the FMA peak.</summary>
    public static string DrawWidth(IReadOnlyList<GrowthPoint> points, GrowthWorkload.Options o, double peak, string machine, string path)
    {
        var width = points.Where(p => p.Sweep == "width").ToList();
        if (width.Count == 0) throw new ArgumentException("No point of the width sweep to draw.", nameof(points));
        using var plot = Drawing.NewPlot($"Conv2D 3x3 'same', {o.Size}x{o.Size}, batch {o.Batch}: throughput against width",
            "channels in = out (log scale)", "GFLOP/s");
        AddLines(plot, width, p => p.Width, p => p.Gflops);
        plot.Axes.Bottom.TickGenerator = PowersOfTwo(width.Select(p => p.Width));
        double top = width.Max(p => p.Gflops);
        if (double.IsFinite(peak) && peak > 0)
        {
            var line = plot.Add.HorizontalLine(peak, 1.5f, Colors.Black.WithAlpha(0.6), LinePattern.Dashed);
            line.LegendText = $"measured FMA peak {peak:F0} GFLOP/s";
            top = Math.Max(top, peak);
        }
        Finish(plot, $"Conv2D 3x3 'same', {o.Size}x{o.Size}, batch {o.Batch}: throughput against width", machine);
        plot.Axes.SetLimitsY(0, top * 1.1);
        Drawing.SavePng(plot, path, 1000, 560);
        return path;
    }

    private static void AddLines(Plot plot, List<GrowthPoint> points, Func<GrowthPoint, int> x, Func<GrowthPoint, double> y)
    {
        var frameworks = points.Select(p => p.Framework).Distinct().ToList();
        foreach (var pass in new[] { "fwd", "fwdbwd" })
            for (int f = 0; f < frameworks.Count; f++)
            {
                var line = points.Where(p => p.Pass == pass && p.Framework == frameworks[f]).OrderBy(x).ToList();
                if (line.Count == 0) continue;
                var scatter = plot.Add.Scatter(line.Select(p => Math.Log2(x(p))).ToArray(), line.Select(y).ToArray(), Drawing.Palette[f % Drawing.Palette.Length]);
                scatter.LineWidth = 2;
                scatter.MarkerSize = 7;
                scatter.LinePattern = pass == "fwd" ? LinePattern.Solid : LinePattern.Dashed;
                scatter.MarkerShape = pass == "fwd" ? MarkerShape.FilledCircle : MarkerShape.OpenSquare;
                scatter.LegendText = $"{frameworks[f]} {(pass == "fwd" ? "forward" : "forward + backward")}";
            }
    }

    /// <summary>The legend outside the data, on the right; the machine and load under the title, where no line runs.</summary>
    private static void Finish(Plot plot, string title, string machine)
    {
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontSize = 13;
        plot.Title($"{title}\n{machine}", 16);
    }

    /// <summary>Ticks at log2 positions labelled 1, 2, 4, ...</summary>
    private static ScottPlot.TickGenerators.NumericManual PowersOfTwo(IEnumerable<int> values)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int v in values.Distinct().Order()) ticks.AddMajor(Math.Log2(v), I(v));
        return ticks;
    }

    /// <summary>Ticks at log10 positions of 1, 2, 5 × 10^k covering the values, labelled with the values.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(IEnumerable<double> values)
    {
        var finite = values.Where(v => double.IsFinite(v) && v > 0).ToList();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        if (finite.Count == 0) return ticks;
        int low = (int)Math.Floor(Math.Log10(finite.Min())), high = (int)Math.Ceiling(Math.Log10(finite.Max()));
        for (int k = low; k <= high; k++)
            foreach (int m in new[] { 1, 2, 5 })
            {
                double v = m * Math.Pow(10, k);
                if (v < finite.Min() / 2.5 || v > finite.Max() * 2.5) continue;
                ticks.AddMajor(Math.Log10(v), v.ToString(v >= 1 ? "0" : "0.###", CultureInfo.InvariantCulture));
            }
        return ticks;
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
