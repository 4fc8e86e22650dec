using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace DeepSharp.Serving.Tests;

/// <summary>PNG files for requests: 8-bit gray images, and hostile headers (a decompression bomb's declared size).</summary>
internal static class TestPng
{
    /// <summary>An 8-bit gray PNG of <paramref name="pixels"/> in [0, 1] (rounded to bytes).</summary>
    public static byte[] Gray(float[] pixels, int width, int height)
    {
        var raw = new byte[height * (width + 1)]; // each row: filter byte 0 (None), then the pixels
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                raw[y * (width + 1) + 1 + x] = (byte)Math.Round(Math.Clamp(pixels[y * width + x], 0f, 1f) * 255f);
        return File(width, height, Deflate(raw));
    }

    /// <summary>
    /// A decompression bomb: a header declaring <paramref name="width"/>×<paramref name="height"/> and a
    /// small IDAT of zeros that would inflate to gigabytes if a decoder trusted it.
    /// </summary>
    public static byte[] Bomb(int width, int height) => File(width, height, Deflate(new byte[1 << 20]));

    private static byte[] Deflate(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var zlib = new ZLibStream(memory, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(raw);
        return memory.ToArray();
    }

    private static byte[] File(int width, int height, byte[] idat)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 0; // gray
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", idat);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        png.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typed));
        png.Write(crc);
    }
}
