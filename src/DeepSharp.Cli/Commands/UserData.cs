using System.Globalization;
using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The user's own test samples for <c>evaluate --x FILE [--y FILE]</c>: idx3-ubyte images (or .gz;
/// pixels / 255, as MNIST) with idx1-ubyte labels, or CSV numbers, one sample per row, labels in a
/// second CSV file (one per row) or in the last column. Each sample is reshaped to the model's input
/// (its number of values must match); a first row that is not all numbers is a header and skipped.
/// </summary>
internal static class UserData
{
    /// <summary>The largest CSV file read: 1 GiB, as for idx files.</summary>
    public const long MaxCsvBytes = IdxReader.MaxDataBytes;

    public static (Tensor X, int[] Labels) Load(string xPath, string? yPath, Shape inputShape)
    {
        if (!File.Exists(xPath)) throw new FileAccessException(xPath, $"Input file '{xPath}' does not exist.");
        if (yPath is not null && !File.Exists(yPath)) throw new FileAccessException(yPath, $"Label file '{yPath}' does not exist.");
        return IsIdx(xPath) ? Idx(xPath, yPath, inputShape) : Csv(xPath, yPath, inputShape);
    }

    /// <summary>Whether the file starts as an idx file (00 00 08 NN) or a gzip stream (1F 8B).</summary>
    private static bool IsIdx(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        int n = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return n >= 2 && head[0] == 0x1F && head[1] == 0x8B || n == 4 && head[0] == 0 && head[1] == 0 && head[2] == 8;
    }

    private static (Tensor X, int[] Labels) Idx(string xPath, string? yPath, Shape inputShape)
    {
        if (yPath is null) throw new DeepSharpException($"'{xPath}' is an idx file: give its labels with --y (an idx1-ubyte file).");
        var (count, rows, cols) = IdxReader.ReadImagesShape(xPath);
        CheckSize(xPath, rows * cols, $"{rows}×{cols} images", inputShape);
        var (images, labels) = IdxReader.ReadPair(xPath, yPath);
        var pixels = new float[images.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] / 255f;
        return (Tensor.Wrap(pixels, inputShape.WithBatch(count)), labels.Select(b => (int)b).ToArray());
    }

    private static (Tensor X, int[] Labels) Csv(string xPath, string? yPath, Shape inputShape)
    {
        var rows = ReadCsv(xPath);
        int size = inputShape.Size;
        int width = rows.Count == 0 ? 0 : rows[0].Length;
        int values = yPath is null ? width - 1 : width;
        CheckSize(xPath, values, $"rows of {values} values{(yPath is null ? " and a label" : "")}", inputShape);
        var labelRows = yPath is null ? null : ReadCsv(yPath);
        if (labelRows is not null && labelRows.Count != rows.Count)
            throw new DataFormatException($"CSV file '{yPath}': holds {labelRows.Count} labels, expected {rows.Count} to match the rows of '{xPath}'.");
        var x = new float[(long)rows.Count * size];
        var labels = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].AsSpan(0, size).CopyTo(x.AsSpan(i * size, size));
            var (file, row, column) = labelRows is null ? (xPath, rows[i], width - 1) : (yPath!, labelRows[i], 0);
            if (labelRows is not null && row.Length != 1)
                throw new DataFormatException($"CSV file '{file}': row {i + 1} holds {row.Length} values, expected one label.");
            float label = row[column];
            if (label != MathF.Round(label))
                throw new DataFormatException($"CSV file '{file}': row {i + 1}'s label is {label.ToString(CultureInfo.InvariantCulture)}, expected a class index.");
            labels[i] = (int)label;
        }
        return (Tensor.Wrap(x, inputShape.WithBatch(rows.Count)), labels);
    }

    private static void CheckSize(string path, int values, string holds, Shape inputShape)
    {
        if (values != inputShape.Size)
            throw new DeepSharpException($"'{path}' holds {holds}; the model takes inputs {inputShape.ToBatchString()}, {inputShape.Size} values a sample.");
    }

    /// <summary>Rows of numbers, all of the same width; a first row that does not parse is a header.</summary>
    private static List<float[]> ReadCsv(string path)
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
