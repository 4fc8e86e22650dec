using System.Globalization;
using ScottPlot;

namespace DeepSharp.Plots;

/// <summary>
/// Draws a confusion matrix — counts of (true class, predicted class), as <see cref="Metrics.ConfusionMatrix"/>
/// computes them: row = true class, column = predicted class — as a heatmap with the counts in the cells,
/// the class names on both axes and a colour bar.
/// </summary>
public static class ConfusionMatrixPlot
{
    /// <summary>
    /// Writes the picture of <paramref name="counts"/> (K × K, <c>counts[actual, predicted]</c>) to <paramref name="path"/>
    /// as a PNG; its title gives the accuracy and the number of samples. The size grows with the number of
    /// classes unless given.
    /// </summary>
    /// <param name="counts">The matrix, as <see cref="Metrics.ConfusionMatrix.FromLabels"/> or <c>FromPredictions</c> returns it.</param>
    /// <param name="classNames">One name per class; null names them "0", "1", ....</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="width">Width in pixels (default: from the number of classes).</param>
    /// <param name="height">Height in pixels (default: from the number of classes).</param>
    /// <exception cref="ArgumentException">The matrix is empty or not square, does not match the names, or holds a negative count.</exception>
    public static void Save(long[,] counts, IReadOnlyList<string>? classNames, string path, int? width = null, int? height = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(path);
        int k = counts.GetLength(0);
        if (k == 0 || counts.GetLength(1) != k)
            throw new ArgumentException($"A confusion matrix is square with at least one class, not {counts.GetLength(0)}×{counts.GetLength(1)}.", nameof(counts));
        classNames ??= ClassLabels.Names(k);
        if (classNames.Count != k) throw new ArgumentException($"The counts are {k}×{k} for {classNames.Count} class names.", nameof(classNames));
        foreach (long c in counts) if (c < 0) throw new ArgumentException("A count is negative.", nameof(counts));
        int cell = Math.Clamp(560 / k, 12, 64);
        int longestName = Math.Min(classNames.Max(n => n.Length), 16);
        int w = width ?? Math.Min(2000, Math.Max(520, 190 + 9 * longestName + k * cell + 110));
        int h = height ?? Math.Min(2000, Math.Max(460, 150 + 9 * longestName + k * cell));
        using var plot = Draw(counts, classNames, cell, rotateNames: 8 * longestName > (w - 320) / k);
        Drawing.SavePng(plot, path, w, h);
    }

    private static Plot Draw(long[,] counts, IReadOnlyList<string> classNames, int cell, bool rotateNames)
    {
        int k = classNames.Count;
        long total = 0, right = 0;
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                total += counts[r, c];
                if (r == c) right += counts[r, c];
            }
        double accuracy = total == 0 ? 0 : (double)right / total;
        var title = string.Create(CultureInfo.InvariantCulture, $"Confusion matrix: {100 * accuracy:F1}% right of {total:N0}");
        var plot = Drawing.NewPlot(title, "predicted class", "true class");
        // Row r of the picture (counted from the top) is true class r: intensities[r, c] with the y axis running down.
        var intensities = new double[k, k];
        long max = 1;
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                intensities[r, c] = counts[r, c];
                max = Math.Max(max, counts[r, c]);
            }
        var colormap = new ScottPlot.Colormaps.Blues().Reversed(); // light for few, dark for many, as scikit-learn draws it
        // Each cell an exact rectangle centred on (column, row) (ScottPlot's heatmap bitmap drifts off the cell grid on an inverted axis).
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                var rectangle = plot.Add.Rectangle(c - 0.5, c + 0.5, r + 0.5, r - 0.5);
                rectangle.FillColor = colormap.GetColor(counts[r, c] / (double)max);
                rectangle.LineWidth = 0;
            }
        // An invisible heatmap of the same counts gives the colour bar its scale.
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = colormap;
        heatmap.ManualRange = new ScottPlot.Range(0, max);
        heatmap.IsVisible = false;
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "count";
        bar.LabelStyle.FontSize = 14;
        bar.Axis.MinorTickStyle.Length = 0;
        bar.Axis.TickLabelStyle.FontSize = 13;

        if (cell >= 26)
        {
            float size = Math.Clamp(cell * 0.3f, 10, 16);
            for (int r = 0; r < k; r++)
                for (int c = 0; c < k; c++)
                {
                    var text = plot.Add.Text(counts[r, c].ToString(CultureInfo.InvariantCulture), c, r);
                    text.LabelFontSize = size;
                    text.LabelFontName = Drawing.FontName;
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontColor = counts[r, c] > max / 2 ? Colors.White : Colors.Black;
                }
        }
        double[] positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        string[] names = classNames.Select(n => n.Length > 16 ? n[..15] + "…" : n).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, names);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, names);
        if (rotateNames)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
            plot.Axes.Bottom.MinimumSize = 40 + 6 * names.Max(n => n.Length); // room for the slanted names above the axis label
        }
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.Axes.Bottom.MinorTickStyle.Length = 0;
        plot.Axes.Left.MinorTickStyle.Length = 0;
        plot.Axes.SetLimits(-0.5, k - 0.5, k - 0.5, -0.5); // y from k-0.5 at the bottom to -0.5 at the top: class 0 in the first row
        plot.HideGrid();
        return plot;
    }
}
