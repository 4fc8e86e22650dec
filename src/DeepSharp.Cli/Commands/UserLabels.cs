using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The class labels of <c>evaluate --y FILE</c>, one per sample of <c>--x</c>, whatever format either file has:
/// a .npy array of class indices (shape (N,) or (N, 1), integers or whole floats) or of one-hot rows (N, C);
/// an idx1-ubyte file; or a CSV file with one label per row (a header row is skipped).
/// </summary>
internal static class UserLabels
{
    /// <summary>The formats <c>--x</c> and <c>--y</c> may have, told apart by their first bytes (not their names).</summary>
    public enum Format { Npy, Idx, Csv }

    /// <summary>.npy when the file starts with \x93NUMPY, idx when with 00 00 08 NN or a gzip stream (1F 8B), CSV otherwise.</summary>
    public static Format FormatOf(string path)
    {
        BoundedFile.ThrowIfNotRegular(path); // a FIFO would block here, /dev/zero read forever as CSV
        Span<byte> head = stackalloc byte[6];
        using var file = File.OpenRead(path);
        int n = file.ReadAtLeast(head, 6, throwOnEndOfStream: false);
        if (n == 6 && head[0] == 0x93 && head[1..].SequenceEqual("NUMPY"u8)) return Format.Npy;
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B || n >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 8) return Format.Idx;
        return Format.Csv;
    }

    /// <summary>The labels in <paramref name="path"/>, which must hold <paramref name="count"/> of them (the samples of <paramref name="xPath"/>).</summary>
    public static int[] Read(string path, int count, string xPath)
    {
        int[] labels = FormatOf(path) switch
        {
            Format.Npy => Npy(path),
            Format.Idx => Array.ConvertAll(IdxReader.ReadLabels(path), b => (int)b),
            _ => Csv(path),
        };
        if (labels.Length != count)
            throw new DataFormatException($"Label file '{path}': holds {labels.Length} labels, expected {count} to match the samples in '{xPath}'.");
        return labels;
    }

    /// <summary><paramref name="value"/> as a class index: a whole number that fits an int.</summary>
    public static int ClassIndex(float value, string what) =>
        value == MathF.Round(value) && value is >= -2147483648f and < 2147483648f ? (int)value // (float)int.MaxValue is 2^31, which no int holds
        : throw new DataFormatException($"{what} is {value.ToString(CultureInfo.InvariantCulture)}, expected a class index.");

    private static int[] Npy(string path)
    {
        var y = NpyFile.Load(path);
        var dims = y.Shape.Dims;
        if (dims.Length == 1 || dims.Length == 2 && dims[1] == 1)
        {
            if (y.DType == DType.Int32) return y.ToIntArray();
            var values = y.Span;
            var labels = new int[values.Length];
            for (int i = 0; i < labels.Length; i++) labels[i] = ClassIndex(values[i], $"npy file '{path}': label {i}");
            return labels;
        }
        if (dims.Length == 2) return OneHot(path, y);
        throw new DataFormatException($"npy file '{path}': labels of shape ({string.Join(", ", dims.ToArray())}); expected class indices (N,) or (N, 1), or one-hot rows (N, C).");
    }

    /// <summary>The index of the one 1 in each row of a (N, C) array of 0s and 1s.</summary>
    private static int[] OneHot(string path, Tensor y)
    {
        int n = y.Shape[0], classes = y.Shape[1];
        var values = y.DType == DType.Float32 ? y.ToArray() : Array.ConvertAll(y.ToIntArray(), v => (float)v);
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = values.AsSpan(i * classes, classes);
            int ones = 0;
            foreach (float v in row)
            {
                if (v is not (0f or 1f))
                    throw new DataFormatException($"npy file '{path}': row {i} of labels ({n}, {classes}) holds {v.ToString(CultureInfo.InvariantCulture)}; one-hot rows hold 0s and one 1.");
                if (v == 1f) ones++;
            }
            if (ones != 1)
                throw new DataFormatException($"npy file '{path}': row {i} of labels ({n}, {classes}) holds {ones} ones; one-hot rows hold exactly one.");
            labels[i] = row.IndexOf(1f);
        }
        return labels;
    }

    private static int[] Csv(string path)
    {
        var table = UserData.ReadCsv(path);
        if (table.Width != 1)
            throw new DataFormatException($"CSV file '{path}': row 1 holds {table.Width} values, expected one label.");
        var labels = new int[table.Rows];
        for (int i = 0; i < table.Rows; i++) labels[i] = ClassIndex(table.Values[i], $"CSV file '{path}': row {i + 1}'s label");
        return labels;
    }
}
