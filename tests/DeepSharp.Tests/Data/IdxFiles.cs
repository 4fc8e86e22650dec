using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepSharp.Tests.Data;

/// <summary>Builds small idx files for tests: a magic number, big-endian dimensions, then data bytes.</summary>
internal static class IdxFiles
{
    public static byte[] Bytes(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Images(int count, int rows, int cols) =>
        Bytes(0x803, [count, rows, cols], Pattern(count * rows * cols));

    public static byte[] Labels(params byte[] labels) => Bytes(0x801, [labels.Length], labels);

    /// <summary>Bytes 0, 1, ..., 255, 0, 1, ...: every pixel value appears.</summary>
    public static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte)i;
        return data;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }
}
