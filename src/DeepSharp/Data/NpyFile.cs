using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// NumPy's <c>.npy</c> files, what <c>np.save</c> writes and <c>np.load</c> reads: one array, as a tensor.
/// <see cref="Load"/> reads format versions 1.0, 2.0 and 3.0 in C order with the dtypes <c>&lt;f4</c> and
/// <c>&lt;f8</c> (into float32; a float64 beyond float32's range is refused), <c>&lt;i4</c>, <c>&lt;i8</c>
/// (into int32; a value outside int32's range is refused), <c>|u1</c> and <c>|i1</c> (into int32, values
/// unchanged). <see cref="Save"/> writes version 1.0 with <c>&lt;f4</c> or <c>&lt;i4</c>, byte for byte
/// as NumPy writes the same array.
/// </summary>
/// <remarks>
/// A file is read as safely as DeepSharp's other formats (docs/security.md): the header dict is parsed by
/// a parser of its small grammar, never evaluated (no pickles: object arrays are refused by their dtype);
/// the header may hold at most <see cref="MaxHeaderBytes"/> bytes and the data at most
/// <see cref="MaxDataBytes"/>, and the data must fill the rest of the file exactly, all checked before the
/// array is allocated. Every problem is a <see cref="DataFormatException"/> naming the file and the bytes.
/// Big-endian data, column-major (<c>fortran_order</c>) data and other dtypes are refused with a message
/// that says how to convert the array in NumPy.
/// </remarks>
public static class NpyFile
{
    /// <summary>The longest header read: 10,000 bytes, NumPy's own default limit (<c>max_header_size</c>); real headers take 118 bytes and more for arrays of many dimensions.</summary>
    public const int MaxHeaderBytes = 10_000;

    /// <summary>The most data bytes a file may hold: 1 GiB, as for idx files (<see cref="Datasets.IdxReader.MaxDataBytes"/>).</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>The dtypes <see cref="Load"/> reads, as NumPy writes them.</summary>
    public static IReadOnlyList<string> ReadableDTypes { get; } = ["<f4", "<f8", "<i4", "<i8", "|u1", "|i1"];

    /// <summary>The array in <paramref name="path"/> as a tensor of its shape: float32 for float dtypes, int32 for integer ones.</summary>
    /// <exception cref="DataFormatException">The file is not a .npy file DeepSharp reads (the message names the file and the bytes).</exception>
    /// <exception cref="FileAccessException">The file cannot be opened or read.</exception>
    public static Tensor Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return InputFile.Read(path, stream => Read(stream, path));
    }

    /// <summary>
    /// Writes <paramref name="tensor"/> as a version 1.0 .npy file (<c>&lt;f4</c> or <c>&lt;i4</c>, C order),
    /// atomically, creating the folder if needed; <c>np.load</c> reads it back.
    /// </summary>
    public static void Save(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensor);
        byte[] header = Header(tensor.DType == DType.Int32 ? "<i4" : "<f4", tensor.Shape.ToArray());
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            if (tensor.DType == DType.Int32) WriteLittleEndian(stream, tensor.IntSpan);
            else WriteLittleEndian(stream, MemoryMarshal.Cast<float, int>(tensor.Span));
        });
    }

    /// <summary>
    /// The preamble and header NumPy 1.24 writes: the dict with its keys sorted, 21 − (digits of the first
    /// dimension) spaces of room to grow it, then spaces and a newline up to a multiple of 64 bytes.
    /// </summary>
    internal static byte[] Header(string descr, int[] shape)
    {
        string dims = shape.Length == 1 ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        var dict = new StringBuilder($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
        if (shape.Length > 0) dict.Append(' ', Math.Max(0, 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        dict.Append(' ', 64 - (10 + dict.Length + 1) % 64).Append('\n');
        var bytes = new byte[10 + dict.Length];
        NpyHeader.Magic.CopyTo(bytes);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), checked((ushort)dict.Length));
        Encoding.ASCII.GetBytes(dict.ToString(), bytes.AsSpan(10));
        return bytes;
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<int> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        var swapped = new int[values.Length];
        BinaryPrimitives.ReverseEndianness(values, swapped);
        stream.Write(MemoryMarshal.AsBytes(swapped.AsSpan()));
    }

    private static Tensor Read(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        var header = NpyHeader.Read(stream, path, fileLength);
        var element = NpyElement.Of(header.Descr, path);
        string described = $"shape ({string.Join(", ", header.Shape)}) of '{header.Descr}'";
        if (header.FortranOrder)
            throw NpyHeader.Bad(path, $"{described} is in Fortran (column-major) order; DeepSharp reads C order: save np.ascontiguousarray(a) instead");

        // Every factor is at most 2^31 and the running product at most 2^30, so it cannot overflow a long.
        long count = 1, describedBytes = element.Size;
        foreach (int d in header.Shape)
        {
            if (d == 0) count = 0;
            else describedBytes *= d;
            if (describedBytes > MaxDataBytes)
                throw NpyHeader.Bad(path, $"{described} describes more than {MaxDataBytes} data bytes, the most DeepSharp reads (NpyFile.MaxDataBytes)");
        }
        if (count != 0) count = describedBytes / element.Size;
        long needed = count * element.Size, available = fileLength - header.DataOffset;
        if (available < needed)
            throw NpyHeader.Bad(path, $"truncated: {described} needs {needed} data bytes from byte {header.DataOffset}, the file holds {available}");
        if (available > needed)
            throw NpyHeader.Bad(path, $"{available - needed} bytes after the data's end (byte {header.DataOffset + needed}); {described} needs {needed} data bytes from byte {header.DataOffset}");

        var shape = new Shape(header.Shape);
        return element.Output == DType.Float32
            ? Tensor.Wrap(element.ReadFloats(stream, (int)count, header.DataOffset, path), shape)
            : Tensor.Wrap(element.ReadInts(stream, (int)count, header.DataOffset, path), shape);
    }
}
