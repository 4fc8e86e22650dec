using ScottPlot;

namespace DeepSharp.Plots;

/// <summary>What every picture shares: a sans-serif font found on the machine, text sizes readable at the size written, colours, and the atomic PNG write.</summary>
internal static class Drawing
{
    /// <summary>Colours of lines and runs, in order (matplotlib's tab10, what Keras users see in their notebooks).</summary>
    public static readonly Color[] Palette = new ScottPlot.Palettes.Category10().Colors;

    private static readonly Lazy<string> Font = new(() =>
    {
        // ScottPlot's default resolves to the first family it meets (a serif one on Debian); prefer a plain sans.
        foreach (var name in new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" })
            if (Fonts.GetTypeface(name, false, false) is { } face && face.FamilyName == name) return name;
        return Fonts.Sans;
    });

    /// <summary>The family every text of a picture is set in (text plottables take it one by one).</summary>
    public static string FontName => Font.Value;

    /// <summary>A plot with its title and axis labels set in the shared font and sizes.</summary>
    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        plot.Title(title, 18);
        plot.XLabel(xLabel, 15);
        plot.YLabel(yLabel, 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.1);
        return plot;
    }

    /// <summary>Renders <paramref name="plot"/> to a PNG of the given size and writes it atomically.</summary>
    public static void SavePng(Plot plot, string path, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        PlotFile.Write(path, png);
    }

    /// <summary>"val_accuracy" → "validation accuracy", "learning_rate" → "learning rate": log names as a reader says them.</summary>
    public static string Words(string logName) =>
        (logName.StartsWith(TrainingCurves.ValidationPrefix, StringComparison.Ordinal) ? "validation " + logName[TrainingCurves.ValidationPrefix.Length..] : logName)
        .Replace('_', ' ');

    /// <summary>A file name for a log name: letters, digits, '-' and '_' kept, anything else '_'.</summary>
    public static string FileName(string logName)
    {
        var chars = logName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        return chars.Length == 0 ? "metric" : new string(chars);
    }
}
