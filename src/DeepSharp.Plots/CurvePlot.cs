using ScottPlot;

namespace DeepSharp.Plots;

/// <summary>
/// Line charts of training per epoch: one picture per metric with the training values and, in the same
/// picture, the validation values ("loss" with "val_loss"), as Keras users draw <c>history.history</c>;
/// the learning rate in a picture of its own. Several runs overlaid in one picture per metric compare them.
/// </summary>
public static class CurvePlot
{
    /// <summary>Default picture size in pixels.</summary>
    public const int DefaultWidth = 800, DefaultHeight = 500;

    /// <summary>A run to overlay: its legend name and its curves.</summary>
    public sealed record Run(string Name, TrainingCurves Curves);

    /// <summary>
    /// Writes one PNG per entry of <see cref="TrainingCurves.Metrics"/> into <paramref name="folder"/>
    /// (created if needed): <c>loss.png</c>, <c>accuracy.png</c>, ..., <c>learning_rate.png</c>. Returns their paths.
    /// </summary>
    /// <exception cref="ArgumentException">The curves have no epoch.</exception>
    public static IReadOnlyList<string> SaveAll(TrainingCurves curves, string folder, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(folder);
        return SaveComparison([new Run("", curves)], folder, width, height);
    }

    /// <summary>Writes the picture of one <paramref name="metric"/> ("loss", "accuracy", "learning_rate") to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The curves have no epoch, or no value of that name (the message lists those they have).</exception>
    public static void Save(TrainingCurves curves, string metric, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(path);
        CheckNotEmpty(curves, "the curves");
        if (!curves.Values.ContainsKey(metric) && !curves.Values.ContainsKey(TrainingCurves.ValidationPrefix + metric))
            throw new ArgumentException($"No curve named '{metric}'; the history has: {string.Join(", ", curves.Values.Keys)}.", nameof(metric));
        using var plot = Draw([new Run("", curves)], metric);
        Drawing.SavePng(plot, path, width, height);
    }

    /// <summary>
    /// Overlays several runs: one PNG per metric any run has, each run in its own colour (training solid,
    /// validation dashed), the legend naming the runs. Returns the paths written into <paramref name="folder"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No run is given, a run has no epoch, or two runs share a name.</exception>
    public static IReadOnlyList<string> SaveComparison(IReadOnlyList<Run> runs, string folder, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(folder);
        if (runs.Count == 0) throw new ArgumentException("Give at least one run to draw.", nameof(runs));
        foreach (var run in runs) CheckNotEmpty(run.Curves, run.Name.Length > 0 ? $"run '{run.Name}'" : "the curves");
        var duplicate = runs.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two runs are named '{duplicate.Key}'; give each a name of its own.", nameof(runs));
        var metrics = new List<string>();
        foreach (var run in runs)
            foreach (var metric in run.Curves.Metrics)
                if (!metrics.Contains(metric)) metrics.Add(metric);
        var paths = new List<string>();
        foreach (var metric in metrics)
        {
            string path = Path.Combine(folder, Drawing.FileName(metric) + ".png");
            using var plot = Draw(runs, metric);
            Drawing.SavePng(plot, path, width, height);
            paths.Add(path);
        }
        return paths;
    }

    private static void CheckNotEmpty(TrainingCurves curves, string what)
    {
        if (curves.Epochs.Count == 0) throw new ArgumentException($"There is nothing to draw: {what} hold no epoch.");
    }

    private static Plot Draw(IReadOnlyList<Run> runs, string metric)
    {
        bool compare = runs.Count > 1 || runs[0].Name.Length > 0;
        string title = char.ToUpperInvariant(Drawing.Words(metric)[0]) + Drawing.Words(metric)[1..];
        if (compare) title += $" of {runs.Count} run{(runs.Count == 1 ? "" : "s")}";
        var plot = Drawing.NewPlot(title, "epoch", Drawing.Words(metric));
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        bool rising = false;
        for (int r = 0; r < runs.Count; r++)
        {
            var curves = runs[r].Curves;
            var x = curves.Epochs.Select(e => (double)e + 1).ToArray();
            string name = runs[r].Name;
            if (curves.Values.TryGetValue(metric, out var train))
            {
                var color = Drawing.Palette[compare ? r % Drawing.Palette.Length : 0];
                AddLine(plot, x, train, color, LinePattern.Solid, compare ? (metric == TrainingCurves.LearningRate ? name : $"{name} (training)") : (metric == TrainingCurves.LearningRate ? "" : "training"));
                rising |= Rises(train);
            }
            if (curves.Values.TryGetValue(TrainingCurves.ValidationPrefix + metric, out var validation))
            {
                var color = Drawing.Palette[compare ? r % Drawing.Palette.Length : 1];
                AddLine(plot, x, validation, color, compare ? LinePattern.Dashed : LinePattern.Solid, compare ? $"{name} (validation)" : "validation");
                if (!curves.Values.ContainsKey(metric)) rising |= Rises(validation);
            }
        }
        FitLimits(plot, runs, metric);
        // Keep the legend off the lines' ends: bottom right for values that rise (accuracy), top right for those that fall (loss).
        // The learning rate sits near the top of its axis (drawn from 0): its legend goes low, on the side the rate leaves free.
        var corner = metric == TrainingCurves.LearningRate ? (rising ? Alignment.UpperLeft : Alignment.LowerLeft)
            : rising ? Alignment.LowerRight : Alignment.UpperRight;
        if (compare || metric != TrainingCurves.LearningRate) plot.ShowLegend(corner).FontSize = 13;
        return plot;
    }

    /// <summary>
    /// Axis limits a reader can trust: epochs with a margin so the first and last points are not on the frame;
    /// the learning rate from 0; a flat line (a constant rate, an accuracy stuck at 1) centred with room around it
    /// rather than ScottPlot's ±1 around zero.
    /// </summary>
    private static void FitLimits(Plot plot, IReadOnlyList<Run> runs, string metric)
    {
        var epochs = runs.SelectMany(r => r.Curves.Epochs).Select(e => e + 1.0).ToList();
        double first = epochs.Min(), last = epochs.Max(), pad = Math.Max(0.3, (last - first) * 0.03);
        plot.Axes.SetLimitsX(first - pad, last + pad);
        var values = runs.SelectMany(r => new[] { metric, TrainingCurves.ValidationPrefix + metric }
            .Where(r.Curves.Values.ContainsKey).SelectMany(n => r.Curves.Values[n])).Where(double.IsFinite).ToList();
        if (values.Count == 0) return;
        double low = values.Min(), high = values.Max();
        if (metric == TrainingCurves.LearningRate && low >= 0)
            plot.Axes.SetLimitsY(0, high > 0 ? high * 1.15 : 1);
        else if (high - low <= 1e-9 * Math.Max(1, Math.Abs(high)))
        {
            double room = Math.Abs(high) > 0 ? Math.Abs(high) * 0.1 : 0.1;
            plot.Axes.SetLimitsY(low - room, high + room);
        }
        else
        {
            double room = (high - low) * 0.08;
            plot.Axes.SetLimitsY(low - room, high + room);
        }
    }

    private static bool Rises(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count > 1 && finite[^1] > finite[0];
    }

    /// <summary>One line; a NaN or infinite value leaves a gap (the finite stretches are drawn, the first one carries the legend).</summary>
    private static void AddLine(Plot plot, double[] x, IReadOnlyList<double> y, Color color, LinePattern pattern, string legend)
    {
        bool first = true;
        for (int start = 0; start < y.Count;)
        {
            if (!double.IsFinite(y[start])) { start++; continue; }
            int end = start;
            while (end < y.Count && double.IsFinite(y[end])) end++;
            var scatter = plot.Add.Scatter(x[start..end], y.Skip(start).Take(end - start).ToArray(), color);
            scatter.LineWidth = 2;
            scatter.LinePattern = pattern;
            scatter.MarkerSize = x.Length <= 60 ? 6 : 0;
            if (first && legend.Length > 0) scatter.LegendText = legend;
            first = false;
            start = end;
        }
        if (first) plot.Add.Scatter(Array.Empty<double>(), Array.Empty<double>(), color).LegendText = (legend.Length > 0 ? legend + ": " : "") + "no finite value";
    }
}
