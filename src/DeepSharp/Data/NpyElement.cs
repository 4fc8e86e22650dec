using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// A .npy dtype DeepSharp reads: its size in the file and the tensor dtype it becomes, and the loops that
/// read <c>count</c> elements of it (little-endian) into a float32 or int32 array, in chunks of
/// <see cref="ChunkBytes"/> so that a conversion never holds a second copy of the data.
/// </summary>
internal sealed record NpyElement(string Descr, int Size, DType Output)
{
    private const int ChunkBytes = 1 << 16;

    /// <summary>The element type of <paramref name="descr"/>; a dtype DeepSharp does not read is a <see cref="DataFormatException"/> saying what to convert it to.</summary>
    public static NpyElement Of(string descr, string path) => descr switch
    {
        "<f4" => new(descr, 4, DType.Float32),
        "<f8" => new(descr, 8, DType.Float32),
        "<i4" => new(descr, 4, DType.Int32),
        "<i8" => new(descr, 8, DType.Int32),
        "|u1" or "<u1" or ">u1" or "=u1" => new("|u1", 1, DType.Int32), // the byte order of one byte means nothing
        "|i1" or "<i1" or ">i1" or "=i1" => new("|i1", 1, DType.Int32),
        [('>' or '='), .. var rest] when rest is "f4" or "f8" or "i4" or "i8" =>
            throw NpyHeader.Bad(path, $"dtype '{descr}' is {(descr[0] == '>' ? "big-endian" : "in the writing machine's byte order")}; DeepSharp reads little-endian data: save a.astype('<{rest}') instead"),
        _ => throw NpyHeader.Bad(path, $"dtype '{descr}' is not one DeepSharp reads ({string.Join(", ", NpyFile.ReadableDTypes)}): save a.astype('<f4') or a.astype('<i4') instead"),
    };

    /// <summary>Reads <paramref name="count"/> float elements (<c>&lt;f4</c> or <c>&lt;f8</c>) starting at file byte <paramref name="dataOffset"/>.</summary>
    public float[] ReadFloats(Stream stream, int count, long dataOffset, string path)
    {
        var values = new float[count];
        if (Size == 4)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values.AsSpan()), MemoryMarshal.Cast<float, int>(values.AsSpan()));
            return values;
        }
        var buffer = new byte[Math.Min((long)count * Size, ChunkBytes)];
        for (int start = 0; start < count;)
        {
            int n = Math.Min(count - start, buffer.Length / Size);
            stream.ReadExactly(buffer.AsSpan(0, n * Size));
            for (int i = 0; i < n; i++)
            {
                double value = BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(i * Size));
                float narrowed = (float)value;
                if (float.IsInfinity(narrowed) && double.IsFinite(value))
                    throw OutOfRange(path, start + i, dataOffset, value.ToString("R", CultureInfo.InvariantCulture), "float32's range (±3.4e38)");
                values[start + i] = narrowed;
            }
            start += n;
        }
        return values;
    }

    /// <summary>Reads <paramref name="count"/> integer elements (<c>&lt;i4</c>, <c>&lt;i8</c>, <c>|u1</c>, <c>|i1</c>) starting at file byte <paramref name="dataOffset"/>.</summary>
    public int[] ReadInts(Stream stream, int count, long dataOffset, string path)
    {
        var values = new int[count];
        if (Size == 4)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(values, values);
            return values;
        }
        var buffer = new byte[Math.Min((long)count * Size, ChunkBytes)];
        for (int start = 0; start < count;)
        {
            int n = Math.Min(count - start, buffer.Length / Size);
            var chunk = buffer.AsSpan(0, n * Size);
            stream.ReadExactly(chunk);
            var destination = values.AsSpan(start, n);
            switch (Descr)
            {
                case "|u1":
                    for (int i = 0; i < n; i++) destination[i] = chunk[i];
                    break;
                case "|i1":
                    for (int i = 0; i < n; i++) destination[i] = (sbyte)chunk[i];
                    break;
                default:
                    for (int i = 0; i < n; i++)
                    {
                        long value = BinaryPrimitives.ReadInt64LittleEndian(chunk[(i * 8)..]);
                        if (value is < int.MinValue or > int.MaxValue)
                            throw OutOfRange(path, start + i, dataOffset, value.ToString(CultureInfo.InvariantCulture), "int32's range (DeepSharp's integer tensors are int32)");
                        destination[i] = (int)value;
                    }
                    break;
            }
            start += n;
        }
        return values;
    }

    private DataFormatException OutOfRange(string path, long index, long dataOffset, string value, string range) =>
        NpyHeader.Bad(path, $"element {index} of '{Descr}' (byte {dataOffset + index * Size}) is {value}, outside {range}");
}
