using DeepSharp.Tensors;
using ScottPlot;

namespace DeepSharp.Plots;

/// <summary>
/// A grid of the images a classifier got wrong, each under its predicted and true class: what a person
/// looks at to see whether the mistakes are the model's or the labels'.
/// </summary>
public static class MisclassifiedGrid
{
    /// <summary>Pixels per grid cell (the image is drawn at up to 96 pixels, its predicted and true class above it).</summary>
    public const int CellWidth = 128, CellHeight = 150;

    /// <summary>
    /// Draws the first <paramref name="maxImages"/> samples whose <paramref name="predicted"/> class differs from
    /// <paramref name="actual"/>, in sample order, <paramref name="columns"/> to a row, and writes the PNG.
    /// Returns how many were drawn (0 writes a picture that says none was wrong).
    /// </summary>
    /// <param name="images">(N, H, W, C) channels-last images with C = 1 (gray) or 3 (RGB), values in [0, 1] (or 0..255).</param>
    /// <param name="actual">The true class of each image.</param>
    /// <param name="predicted">The predicted class of each image.</param>
    /// <param name="classNames">Names of the classes, by index.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="maxImages">At most this many images are drawn.</param>
    /// <param name="columns">Images per row.</param>
    /// <exception cref="ShapeMismatchException">The images are not (N, H, W, 1 or 3), or N differs from the label counts.</exception>
    /// <exception cref="ArgumentException">A class index has no name.</exception>
    public static int Save(Tensor images, IReadOnlyList<int> actual, IReadOnlyList<int> predicted, IReadOnlyList<string> classNames, string path,
        int maxImages = 36, int columns = 6)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (images.Rank != 4 || images.Shape[3] is not (1 or 3) || images.DType != DType.Float32)
            throw new ShapeMismatchException($"Images must be float32 (N, height, width, 1 or 3), not {images.DType} {images.Shape}.");
        int n = images.Shape[0];
        if (actual.Count != n || predicted.Count != n)
            throw new ShapeMismatchException($"{n} images but {actual.Count} true labels and {predicted.Count} predictions.");
        var wrong = new List<int>();
        int wrongInAll = 0;
        for (int i = 0; i < n; i++)
        {
            if ((uint)actual[i] >= (uint)classNames.Count || (uint)predicted[i] >= (uint)classNames.Count)
                throw new ArgumentException($"Image {i} has true class {actual[i]} and predicted class {predicted[i]}; {classNames.Count} classes are named.", nameof(classNames));
            if (actual[i] == predicted[i]) continue;
            wrongInAll++;
            if (wrong.Count < maxImages) wrong.Add(i);
        }
        int cols = Math.Max(1, Math.Min(columns, wrong.Count));
        int rows = Math.Max(1, (wrong.Count + cols - 1) / cols);
        using var plot = Draw(images, wrong, wrongInAll, actual, predicted, classNames, cols, rows);
        Drawing.SavePng(plot, path, Math.Max(cols * CellWidth, 420) + 20, rows * CellHeight + 70);
        return wrong.Count;
    }

    private static Plot Draw(Tensor images, List<int> wrong, int wrongInAll, IReadOnlyList<int> actual, IReadOnlyList<int> predicted,
        IReadOnlyList<string> classNames, int cols, int rows)
    {
        var plot = new Plot();
        plot.Font.Set(Drawing.FontName);
        string title = wrong.Count == 0 ? "No test image was misclassified"
            : wrong.Count == wrongInAll ? $"The {wrongInAll} misclassified test image{(wrongInAll == 1 ? "" : "s")}"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Misclassified test images: the first {wrong.Count} of {wrongInAll:N0}");
        plot.Title(title, 17);
        plot.HideAxesAndGrid();
        plot.Axes.Title.IsVisible = true;
        plot.Layout.Fixed(new PixelPadding(10, 10, 10, 60));
        // One unit per cell; the y axis runs down so that the first row is at the top.
        double width = Math.Max(cols, 420.0 / CellWidth);
        plot.Axes.SetLimits(0, width, rows, 0);
        int h = images.Shape[1], w = images.Shape[2];
        double side = 96.0 / CellWidth, aspect = (double)CellWidth / CellHeight;
        double imageW = w >= h ? side : side * w / h, imageH = (h >= w ? side : side * h / w) * aspect;
        for (int slot = 0; slot < wrong.Count; slot++)
        {
            int i = wrong[slot], col = slot % cols, row = slot / cols;
            double cx = col + 0.5, top = row + 0.31;
            var image = plot.Add.ImageRect(ToImage(images, i), new CoordinateRect(cx - imageW / 2, cx + imageW / 2, top + imageH, top));
            image.AntiAlias = false; // keep the pixels square: 28×28 digits read better blocky than blurred
            AddLabel(plot, "predicted " + Name(classNames, predicted[i]), cx, row + 0.1, Colors.DarkRed, bold: true);
            AddLabel(plot, "true " + Name(classNames, actual[i]), cx, row + 0.21, Colors.Black.WithLightness(0.25f), bold: false);
        }
        return plot;
    }

    private static void AddLabel(Plot plot, string text, double x, double y, Color color, bool bold)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontName = Drawing.FontName;
        label.LabelFontSize = Math.Clamp(0.9f * (CellWidth - 8) / (0.6f * text.Length), 9f, 13f); // long class names shrink to fit their cell
        label.LabelAlignment = Alignment.MiddleCenter;
        label.LabelFontColor = color;
        label.LabelBold = bold;
    }

    private static string Name(IReadOnlyList<string> classNames, int index)
    {
        string name = classNames[index];
        return name.Length > 10 ? name[..9] + "…" : name;
    }

    /// <summary>Image <paramref name="index"/> as 8-bit pixels, scaled from [0, 1] (or from 0..255 when a value exceeds 1).</summary>
    private static Image ToImage(Tensor images, int index)
    {
        int h = images.Shape[1], w = images.Shape[2], c = images.Shape[3];
        var pixels = images.Span.Slice(index * h * w * c, h * w * c);
        float scale = System.Numerics.Tensors.TensorPrimitives.Max(pixels) > 1.5f ? 1f : 255f;
        static byte ToByte(float v, float scale) => (byte)Math.Clamp(MathF.Round(float.IsFinite(v) ? v * scale : 0), 0, 255);
        if (c == 1)
        {
            var gray = new byte[h, w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) gray[y, x] = ToByte(pixels[y * w + x], scale);
            return new Image(gray);
        }
        var rgb = new byte[h, w, 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < 3; k++) rgb[y, x, k] = ToByte(pixels[(y * w + x) * 3 + k], scale);
        return new Image(rgb);
    }
}
