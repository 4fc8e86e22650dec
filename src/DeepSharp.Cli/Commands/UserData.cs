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
        var table = ReadCsv(xPath);
        int size = inputShape.Size;
        int values = yPath is null ? table.Width - 1 : table.Width;
        CheckSize(xPath, values, $"rows of {values} values{(yPath is null ? " and a label" : "")}", inputShape);
        var x = new float[(long)table.Rows * size];
        for (int i = 0; i < table.Rows; i++) table.Row(i)[..size].CopyTo(x.AsSpan(i * size, size));
        int[] labels;
        if (yPath is not null)
        {
            labels = UserLabels.Read(yPath, table.Rows, xPath);
        }
        else
        {
            labels = new int[table.Rows];
            for (int i = 0; i < table.Rows; i++) labels[i] = UserLabels.ClassIndex(table.Row(i)[^1], $"CSV file '{xPath}': row {i + 1}'s label");
        }
        return (Tensor.Wrap(x, inputShape.WithBatch(table.Rows)), labels);
    }

    /// <summary>Whether <c>predict</c> reads <paramref name="path"/> as samples of numbers: a .csv file, or a .npy file by its signature.</summary>
    public static bool IsTable(string path) =>
        File.Exists(path) && (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || UserLabels.FormatOf(path) == UserLabels.Format.Npy);

    /// <summary>
    /// The samples of a CSV or .npy file for <c>predict</c>, in batches named "FILE[i]" (i from 0, header not counted).
    /// A CSV row holds the model's input size in values, or one more (a label last, as <c>evaluate --x</c> reads it),
    /// which is then ignored; a .npy array holds one sample per index of its first axis.
    /// </summary>
    public static IEnumerable<(string[] Names, Tensor X)> PredictBatches(string path, Shape inputShape)
    {
        int size = inputShape.Size;
        float[] values;
        int count, width;
        if (UserLabels.FormatOf(path) == UserLabels.Format.Npy)
        {
            var x = NpyFile.Load(path);
            if (x.Shape.Rank == 0) throw new DeepSharpException($"'{path}' holds a single number (shape ()); predict needs one sample per index of the first axis.");
            count = x.Shape[0];
            width = count == 0 ? 0 : (int)(x.Shape.Size / count);
            CheckSize(path, count == 0 ? size : width, $"an array of shape ({string.Join(", ", x.Shape.ToArray())}), {width} values a sample", inputShape);
            values = x.DType == DType.Float32 ? x.ToArray() : Array.ConvertAll(x.ToIntArray(), v => (float)v);
        }
        else
        {
            var table = ReadCsv(path);
            (values, count, width) = (table.Values, table.Rows, table.Width);
            if (width != size && width != size + 1)
                throw new DeepSharpException($"'{path}' holds rows of {width} values; the model takes inputs {inputShape.ToBatchString()}, " +
                    $"{size} values a sample (or {size + 1}, a label last, which predict ignores).");
        }
        if (count == 0) throw new DeepSharpException($"'{path}' holds no samples.");
        return Batches(Path.GetFileName(path), values, count, width, inputShape);
    }

    private static IEnumerable<(string[] Names, Tensor X)> Batches(string name, float[] values, int count, int width, Shape inputShape)
    {
        int size = inputShape.Size, batch = Math.Max(1, Math.Min(1024, (1 << 22) / Math.Max(size, 1)));
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            var x = new float[(long)n * size];
            for (int i = 0; i < n; i++) values.AsSpan((start + i) * width, size).CopyTo(x.AsSpan(i * size, size));
            yield return (Enumerable.Range(start, n).Select(i => string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]")).ToArray(),
                Tensor.Wrap(x, inputShape.WithBatch(n)));
        }
    }

    private static void CheckSize(string path, long values, string holds, Shape inputShape)
    {
        if (values != inputShape.Size)
            throw new DeepSharpException($"'{path}' holds {holds}; the model takes inputs {inputShape.ToBatchString()}, {inputShape.Size} values a sample.");
    }

    /// <summary>The longest CSV line read, in characters (16 Mi: a row of millions of values).</summary>
    public const int MaxLineChars = 1 << 24;

    /// <summary>
    /// Rows of finite numbers, all of the same width, in one flat array; a first line that does not parse is a header.
    /// A pipe or device is refused before it is opened, a line is at most <see cref="MaxLineChars"/> characters, and
    /// no array is made per row or per cell (a 1 GiB file of one-value rows took 20 bytes of memory per byte of text,
    /// a file of one 1 GiB line more than a string can hold).
    /// </summary>
    internal static CsvTable ReadCsv(string path)
    {
        BoundedFile.ThrowIfNotRegular(path, "CSV file");
        if (new FileInfo(path).Length > MaxCsvBytes)
            throw new DataFormatException($"CSV file '{path}': larger than {MaxCsvBytes} bytes.");
        var values = new float[256];
        int count = 0, width = -1, rows = 0, lineNumber = 0;
        var line = new char[256];
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        int length;
        while ((length = ReadLine(reader, ref line, path, lineNumber + 1)) >= 0)
        {
            lineNumber++;
            var text = line.AsSpan(0, length);
            if (text.IsWhiteSpace()) continue;
            int start = count, cells = 0;
            bool numbers = true;
            foreach (var range in text.Split(','))
            {
                var cell = text[range].Trim();
                if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    numbers = false;
                    break;
                }
                if (!float.IsFinite(value))
                    throw new DataFormatException($"CSV file '{path}': line {lineNumber}, value {cells + 1} is '{cell}'; only finite float32 numbers are read.");
                if (count == values.Length) Array.Resize(ref values, (int)Math.Min(Array.MaxLength, 2L * values.Length));
                values[count++] = value;
                cells++;
            }
            if (!numbers)
            {
                count = start;
                if (lineNumber == 1) continue; // a header
                throw new DataFormatException($"CSV file '{path}': line {lineNumber} is not all numbers.");
            }
            if (width >= 0 && cells != width)
                throw new DataFormatException($"CSV file '{path}': line {lineNumber} holds {cells} values, the first row {width}.");
            width = cells;
            rows++;
        }
        if (rows == 0) throw new DataFormatException($"CSV file '{path}': holds no rows of numbers.");
        return new CsvTable(values, rows, width);
    }

    /// <summary>The length of the next line (ended by \n, \r\n or \r) read into <paramref name="line"/> (grown as needed); -1 at the end of the file.</summary>
    private static int ReadLine(StreamReader reader, ref char[] line, string path, int number)
    {
        int length = 0, c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') return length;
            if (c == '\r')
            {
                if (reader.Peek() == '\n') reader.Read();
                return length;
            }
            if (length == MaxLineChars)
                throw new DataFormatException($"CSV file '{path}': line {number} is longer than {MaxLineChars} characters.");
            if (length == line.Length) Array.Resize(ref line, Math.Min(MaxLineChars, 2 * line.Length));
            line[length++] = (char)c;
        }
        return length > 0 ? length : -1;
    }
}

/// <summary>The rows of a CSV file: <paramref name="Rows"/> rows of <paramref name="Width"/> values each, row after row at the start of <paramref name="Values"/>.</summary>
internal sealed record CsvTable(float[] Values, int Rows, int Width)
{
    /// <summary>The values of row <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index) => Values.AsSpan(index * Width, Width);
}
