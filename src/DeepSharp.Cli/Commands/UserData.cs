using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The user's own test samples for <c>evaluate --x FILE [--y FILE]</c>: a NumPy .npy array (one sample per
/// index of its first axis, values as stored), idx3-ubyte images (or .gz; pixels / 255, as MNIST), or CSV
/// numbers, one sample per row. Labels (<see cref="UserLabels"/>) come from <c>--y</c> — a .npy, idx1-ubyte
/// or CSV file — or, for a CSV file without <c>--y</c>, from its last column. Each sample is reshaped to the
/// model's input (its number of values must match); a first CSV row that is not all numbers is a header and skipped.
/// </summary>
internal static class UserData
{
    /// <summary>The largest CSV file read: 1 GiB, as for idx files.</summary>
    public const long MaxCsvBytes = IdxReader.MaxDataBytes;

    public static (Tensor X, int[] Labels) Load(string xPath, string? yPath, Shape inputShape)
    {
        if (!File.Exists(xPath)) throw new FileAccessException(xPath, $"Input file '{xPath}' does not exist.");
        if (yPath is not null && !File.Exists(yPath)) throw new FileAccessException(yPath, $"Label file '{yPath}' does not exist.");
        return UserLabels.FormatOf(xPath) switch
        {
            UserLabels.Format.Npy => Npy(xPath, yPath, inputShape),
            UserLabels.Format.Idx => Idx(xPath, yPath, inputShape),
            _ => Csv(xPath, yPath, inputShape),
        };
    }

    private static (Tensor X, int[] Labels) Npy(string xPath, string? yPath, Shape inputShape)
    {
        if (yPath is null) throw new DeepSharpException($"'{xPath}' is a .npy file: give its labels with --y (a .npy, idx1-ubyte or CSV file of class indices).");
        var x = NpyFile.Load(xPath);
        if (x.Shape.Rank == 0) throw new DeepSharpException($"'{xPath}' holds a single number (shape ()); evaluate needs one sample per index of the first axis.");
        int count = x.Shape[0];
        long values = 1;
        foreach (int d in x.Shape.Dims[1..]) values *= d;
        CheckSize(xPath, values, $"an array of shape ({string.Join(", ", x.Shape.ToArray())}), {values} values a sample", inputShape);
        var floats = x.DType == DType.Float32 ? x : Tensor.Wrap(Array.ConvertAll(x.ToIntArray(), v => (float)v), x.Shape);
        return (floats.View(inputShape.WithBatch(count)), UserLabels.Read(yPath, count, xPath));
    }

    private static (Tensor X, int[] Labels) Idx(string xPath, string? yPath, Shape inputShape)
    {
        if (yPath is null) throw new DeepSharpException($"'{xPath}' is an idx file: give its labels with --y (an idx1-ubyte file).");
        var (count, rows, cols) = IdxReader.ReadImagesShape(xPath);
        CheckSize(xPath, (long)rows * cols, $"{rows}×{cols} images", inputShape);
        var images = IdxReader.ReadImages(xPath);
        var pixels = new float[images.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] / 255f;
        return (Tensor.Wrap(pixels, inputShape.WithBatch(count)), UserLabels.Read(yPath, count, xPath));
    }

    private static (Tensor X, int[] Labels) Csv(string xPath, string? yPath, Shape inputShape)
    {
        var rows = ReadCsv(xPath);
        int size = inputShape.Size;
        int width = rows.Count == 0 ? 0 : rows[0].Length;
        int values = yPath is null ? width - 1 : width;
        CheckSize(xPath, values, $"rows of {values} values{(yPath is null ? " and a label" : "")}", inputShape);
        var x = new float[(long)rows.Count * size];
        for (int i = 0; i < rows.Count; i++) rows[i].AsSpan(0, size).CopyTo(x.AsSpan(i * size, size));
        int[] labels;
        if (yPath is not null)
        {
            labels = UserLabels.Read(yPath, rows.Count, xPath);
        }
        else
        {
            labels = new int[rows.Count];
            for (int i = 0; i < rows.Count; i++) labels[i] = UserLabels.ClassIndex(rows[i][width - 1], $"CSV file '{xPath}': row {i + 1}'s label");
        }
        return (Tensor.Wrap(x, inputShape.WithBatch(rows.Count)), labels);
    }

    private static void CheckSize(string path, long values, string holds, Shape inputShape)
    {
        if (values != inputShape.Size)
            throw new DeepSharpException($"'{path}' holds {holds}; the model takes inputs {inputShape.ToBatchString()}, {inputShape.Size} values a sample.");
    }

    /// <summary>Rows of numbers, all of the same width; a first row that does not parse is a header.</summary>
    internal static List<float[]> ReadCsv(string path)
    {
        if (new FileInfo(path).Length > MaxCsvBytes)
            throw new DataFormatException($"CSV file '{path}': larger than {MaxCsvBytes} bytes.");
        var rows = new List<float[]>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            var row = new float[cells.Length];
            bool numbers = true;
            for (int j = 0; j < cells.Length && numbers; j++)
                numbers = float.TryParse(cells[j].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]);
            if (!numbers)
            {
                if (lineNumber == 1) continue; // a header
                throw new DataFormatException($"CSV file '{path}': line {lineNumber} is not all numbers.");
            }
            if (rows.Count > 0 && row.Length != rows[0].Length)
                throw new DataFormatException($"CSV file '{path}': line {lineNumber} holds {row.Length} values, the first row {rows[0].Length}.");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new DataFormatException($"CSV file '{path}': holds no rows of numbers.");
        return rows;
    }
}
