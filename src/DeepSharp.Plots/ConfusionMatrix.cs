using System.Globalization;
using DeepSharp.Tensors;
using ScottPlot;

namespace DeepSharp.Plots;

/// <summary>
/// Counts of (true class, predicted class) pairs, as scikit-learn's <c>confusion_matrix</c>: row = true
/// class, column = predicted class. <see cref="Save"/> draws it as a heatmap with the counts in the cells.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    /// <summary>A matrix of counts, rows the true classes and columns the predicted ones, named by <paramref name="classNames"/>.</summary>
    /// <exception cref="ArgumentException">The matrix is not square, does not match the names, or holds a negative count.</exception>
    public ConfusionMatrix(long[,] counts, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classNames);
        int k = classNames.Count;
        if (k == 0) throw new ArgumentException("A confusion matrix needs at least one class.", nameof(classNames));
        if (counts.GetLength(0) != k || counts.GetLength(1) != k)
            throw new ArgumentException($"The counts are {counts.GetLength(0)}×{counts.GetLength(1)} for {k} class names.", nameof(counts));
        foreach (long c in counts) if (c < 0) throw new ArgumentException("A count is negative.", nameof(counts));
        _counts = (long[,])counts.Clone();
        ClassNames = [.. classNames];
    }

    /// <summary>The class names, in index order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>All samples counted.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            foreach (long c in _counts) total += c;
            return total;
        }
    }

    /// <summary>The fraction on the diagonal (0 when nothing was counted).</summary>
    public double Accuracy
    {
        get
        {
            long right = 0;
            for (int i = 0; i < ClassNames.Count; i++) right += _counts[i, i];
            long total = Total;
            return total == 0 ? 0 : (double)right / total;
        }
    }

    /// <summary>Counts pairs of true and predicted class indices.</summary>
    /// <param name="actual">The true class of each sample.</param>
    /// <param name="predicted">The predicted class of each sample.</param>
    /// <param name="classNames">One name per class; null names them "0", "1", ... up to the largest index seen.</param>
    /// <exception cref="ArgumentException">The lists differ in length, or an index is outside the classes.</exception>
    public static ConfusionMatrix FromLabels(IReadOnlyList<int> actual, IReadOnlyList<int> predicted, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (actual.Count != predicted.Count)
            throw new ArgumentException($"{actual.Count} true labels but {predicted.Count} predictions.", nameof(predicted));
        classNames ??= DefaultNames(Math.Max(actual.DefaultIfEmpty(0).Max(), predicted.DefaultIfEmpty(0).Max()) + 1);
        int k = classNames.Count;
        var counts = new long[k, k];
        for (int i = 0; i < actual.Count; i++)
        {
            int a = actual[i], p = predicted[i];
            if ((uint)a >= (uint)k || (uint)p >= (uint)k)
                throw new ArgumentException($"Sample {i} has true class {a} and predicted class {p}; the classes are 0..{k - 1}.", nameof(actual));
            counts[a, p]++;
        }
        return new ConfusionMatrix(counts, classNames);
    }

    /// <summary>
    /// Counts a classifier's <paramref name="predictions"/> (probabilities (N, K), or one sigmoid output) against
    /// <paramref name="targets"/> in any form training takes (see <see cref="ClassLabels"/>).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The tensors' shapes do not fit a classifier or each other.</exception>
    public static ConfusionMatrix FromPredictions(Tensor predictions, Tensor targets, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        if (predictions.Shape[0] != targets.Shape[0])
            throw new ShapeMismatchException($"Predictions {predictions.Shape} and targets {targets.Shape} hold different numbers of samples.");
        int k = predictions.Rank == 2 && predictions.Shape[1] > 1 ? predictions.Shape[1] : 2;
        return FromLabels(ClassLabels.FromTargets(targets), ClassLabels.FromPredictions(predictions), classNames ?? DefaultNames(k));
    }

    /// <summary>"0", "1", ...: the names of classes that have none.</summary>
    public static IReadOnlyList<string> DefaultNames(int count) =>
        Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// Draws the matrix as a heatmap PNG: true class down the side, predicted class along the bottom, both
    /// labelled with the class names, each cell's count written in it, a colour bar of counts. The size
    /// grows with the number of classes unless given.
    /// </summary>
    public void Save(string path, int? width = null, int? height = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        int k = ClassNames.Count;
        int cell = Math.Clamp(560 / k, 12, 64);
        int longestName = ClassNames.Max(n => n.Length);
        int w = width ?? Math.Max(520, 190 + 9 * Math.Min(longestName, 16) + k * cell + 110);
        int h = height ?? Math.Max(460, 150 + 9 * Math.Min(longestName, 16) + k * cell);
        using var plot = Draw(cell, rotateNames: 8 * Math.Min(longestName, 16) > (w - 320) / k);
        Drawing.SavePng(plot, path, w, h);
    }

    private Plot Draw(int cell, bool rotateNames)
    {
        int k = ClassNames.Count;
        var title = string.Create(CultureInfo.InvariantCulture, $"Confusion matrix: {100 * Accuracy:F1}% right of {Total:N0}");
        var plot = Drawing.NewPlot(title, "predicted class", "true class");
        // Row r of the picture (counted from the top) is true class r: intensities[r, c] with the y axis running down.
        var intensities = new double[k, k];
        long max = 1;
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                intensities[r, c] = _counts[r, c];
                max = Math.Max(max, _counts[r, c]);
            }
        var colormap = new ScottPlot.Colormaps.Blues().Reversed(); // light for few, dark for many, as scikit-learn draws it
        // Each cell an exact rectangle centred on (column, row) (ScottPlot's heatmap bitmap drifts off the cell grid on an inverted axis).
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                var rectangle = plot.Add.Rectangle(c - 0.5, c + 0.5, r + 0.5, r - 0.5);
                rectangle.FillColor = colormap.GetColor(_counts[r, c] / (double)max);
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
                    var text = plot.Add.Text(_counts[r, c].ToString(CultureInfo.InvariantCulture), c, r);
                    text.LabelFontSize = size;
                    text.LabelFontName = Drawing.FontName;
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontColor = _counts[r, c] > max / 2 ? Colors.White : Colors.Black;
                }
        }
        double[] positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        string[] names = ClassNames.Select(n => n.Length > 16 ? n[..15] + "…" : n).ToArray();
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
