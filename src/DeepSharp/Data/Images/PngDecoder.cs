using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepSharp.Data.Images;

/// <summary>
/// Decodes PNG files: 8-bit gray, gray+alpha, RGB and RGBA, not interlaced, with every scanline
/// filter (None, Sub, Up, Average, Paeth). Chunk lengths and CRCs are checked as the file is read in
/// 64 KB pieces; the header's size is held to <see cref="MaxDimension"/>, <see cref="MaxPixels"/> and to
/// what the file's bytes can inflate to before the pixels are allocated; the image data is inflated
/// row by row straight into the pixels, and no further than the header promises (data beyond is ignored). Memory is the pixels
/// plus a few rows. <see cref="ReadInfo(string)"/> reads the header alone, to refuse an image
/// (e.g. of the wrong size) without inflating it. Anything else gives a <see cref="DataFormatException"/>
/// naming the file and the numbers.
/// </summary>
public static class PngDecoder
{
    /// <summary>Images with more pixels than this (64 Mi, e.g. 8192×8192) are refused before anything is inflated.</summary>
    public const long MaxPixels = 1L << 26;

    /// <summary>The largest width or height accepted (16384).</summary>
    public const int MaxDimension = 1 << 14;

    /// <summary>
    /// Deflate's best ratio is about 1032:1, so a file of N bytes cannot hold more than about 1032 × N
    /// bytes of image data: a header promising more is refused before allocating.
    /// </summary>
    private const long MaxInflateRatio = 1032;

    /// <summary>Reads the signature and the header (IHDR) of a PNG file, nothing more.</summary>
    /// <exception cref="DataFormatException">The file does not start as a supported PNG.</exception>
    public static PngInfo ReadInfo(string path)
    {
        using var file = Open(path);
        var chunks = new PngChunks(file, path);
        chunks.ReadSignature();
        return ReadHeader(chunks, path);
    }

    /// <inheritdoc cref="ReadInfo(string)"/>
    public static PngInfo ReadInfo(ReadOnlySpan<byte> png, string source)
    {
        using var stream = new MemoryStream(png[..Math.Min(png.Length, 33)].ToArray()); // the signature and IHDR
        var chunks = new PngChunks(stream, source, png.Length);
        chunks.ReadSignature();
        return ReadHeader(chunks, source);
    }

    /// <summary>Reads and decodes a PNG file.</summary>
    /// <exception cref="DataFormatException">The file is not a valid, supported PNG.</exception>
    public static PngImage Decode(string path)
    {
        using var file = Open(path);
        return Decode(file, path);
    }

    /// <summary>Decodes PNG bytes; <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="DataFormatException">The bytes are not a valid, supported PNG.</exception>
    public static PngImage Decode(ReadOnlySpan<byte> png, string source)
    {
        using var stream = new MemoryStream(png.ToArray(), writable: false);
        return Decode(stream, source);
    }

    /// <summary>Decodes a PNG from <paramref name="stream"/> (read from its position; a seekable stream lets truncation be caught early).</summary>
    /// <exception cref="DataFormatException">The bytes are not a valid, supported PNG.</exception>
    public static PngImage Decode(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var chunks = new PngChunks(stream, source);
        chunks.ReadSignature();
        var info = ReadHeader(chunks, source);
        byte[]? pixels = null;
        while (true)
        {
            var chunk = chunks.Next();
            switch (chunk.Type)
            {
                case "IDAT" when pixels is null:
                    pixels = Inflate(info, chunks, chunk, source);
                    chunk = chunks.EndIdat(); // the chunk after the run
                    if (Handle(chunk, chunks, source)) return new PngImage(info.Width, info.Height, info.Channels, pixels);
                    break;
                case "IDAT":
                    throw Bad(source, $"IDAT chunk at byte {chunk.At} after other chunks; PNG requires the image data in consecutive IDAT chunks");
                case "IEND" when pixels is null:
                    throw Bad(source, "no image data (IEND before any IDAT chunk)");
                default:
                    if (Handle(chunk, chunks, source)) return new PngImage(info.Width, info.Height, info.Channels, pixels!);
                    break;
            }
        }
    }

    /// <summary>Any chunk but IDAT: true at IEND; ancillary chunks are skipped; PLTE, a second IHDR and unknown critical chunks are refused.</summary>
    private static bool Handle(PngChunk chunk, PngChunks chunks, string source)
    {
        switch (chunk.Type)
        {
            case "IEND":
                chunks.Skip(chunk);
                return true;
            case "IHDR": throw Bad(source, $"a second IHDR chunk at byte {chunk.At}");
            case "PLTE": throw Bad(source, "palette images are not supported; save it as 8-bit gray, RGB or RGBA");
            case "IDAT": throw Bad(source, $"IDAT chunk at byte {chunk.At} after other chunks; PNG requires the image data in consecutive IDAT chunks");
        }
        if (char.IsAsciiLetterUpper(chunk.Type[0])) throw Bad(source, $"unknown critical chunk {chunk.Type} at byte {chunk.At}");
        chunks.Skip(chunk); // ancillary chunks (text, gamma, ...) are read for their CRC and dropped
        return false;
    }

    /// <summary>The file, opened; a missing file, a pipe or a device is a <see cref="FileAccessException"/> (a FIFO blocked the open).</summary>
    private static FileStream Open(string path) => InputFile.Wrap(path, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));

    /// <summary>The first chunk, which must be a valid IHDR within the limits, promising no more than the file's length can inflate to.</summary>
    private static PngInfo ReadHeader(PngChunks chunks, string source)
    {
        long? fileLeft = chunks.Remaining;
        var chunk = chunks.Next();
        if (chunk.Type != "IHDR") throw Bad(source, $"the first chunk is {chunk.Type}, expected IHDR");
        if (chunk.Length != 13) throw Bad(source, $"IHDR holds {chunk.Length} bytes, expected 13");
        var data = chunks.ReadData(chunk);
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4));
        byte depth = data[8], color = data[9], compression = data[10], filter = data[11], interlace = data[12];
        if (width == 0 || height == 0) throw Bad(source, $"size {width}×{height}: both must be positive");
        if (width > MaxDimension || height > MaxDimension)
            throw Bad(source, $"size {width}×{height} exceeds {MaxDimension} pixels on a side (PngDecoder.MaxDimension)");
        if ((long)width * height > MaxPixels) throw Bad(source, $"size {width}×{height} exceeds {MaxPixels} pixels (PngDecoder.MaxPixels)");
        if (depth != 8) throw Bad(source, $"bit depth {depth}; only 8-bit images are supported");
        int channels = color switch
        {
            0 => 1,
            4 => 2,
            2 => 3,
            6 => 4,
            3 => throw Bad(source, "palette images are not supported; save it as 8-bit gray, RGB or RGBA"),
            _ => throw Bad(source, $"color type {color} is not a PNG color type"),
        };
        if (compression != 0 || filter != 0) throw Bad(source, $"compression method {compression} / filter method {filter}; PNG defines only 0");
        if (interlace != 0) throw Bad(source, interlace == 1 ? "interlaced images are not supported" : $"interlace method {interlace} is not defined");
        var info = new PngInfo((int)width, (int)height, channels);
        long rawLength = info.PixelBytes + info.Height; // a filter byte per row
        if (fileLeft is { } left && rawLength > left * MaxInflateRatio + 1024)
            throw Bad(source, $"{left} bytes of file cannot inflate to the {rawLength} bytes a {width}×{height}×{channels} image needs");
        return info;
    }

    /// <summary>Inflates the IDAT run row by row into the pixels, and nothing beyond what the header promises.</summary>
    private static byte[] Inflate(PngInfo info, PngChunks chunks, PngChunk first, string source)
    {
        int stride = info.Width * info.Channels;
        var pixels = GC.AllocateUninitializedArray<byte>((int)info.PixelBytes);
        var line = new byte[stride + 1];
        chunks.BeginIdat(first);
        try
        {
            using var zlib = new ZLibStream(chunks.Idat, CompressionMode.Decompress, leaveOpen: true);
            for (int y = 0; y < info.Height; y++)
            {
                int read = zlib.ReadAtLeast(line, line.Length, throwOnEndOfStream: false);
                if (read < line.Length)
                    throw Bad(source, $"image data inflates to {(long)y * line.Length + read} bytes, expected {(long)info.Height * line.Length} for {info.Width}×{info.Height}×{info.Channels}");
                var output = pixels.AsSpan(y * stride, stride);
                var previous = y == 0 ? default : pixels.AsSpan((y - 1) * stride, stride);
                Unfilter(line[0], line.AsSpan(1), previous, output, info.Channels, source, y);
            }
            // Whatever the stream holds beyond the image is never inflated (browsers, libpng and Pillow ignore it too);
            // the rest of the IDAT run is only read for its CRCs.
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"PNG file '{source}': image data is not valid zlib data ({e.Message}).", e);
        }
        return pixels;
    }

    /// <summary>Undoes one scanline's filter; <paramref name="previous"/> is empty for the first row (treated as zeros).</summary>
    private static void Unfilter(byte filter, ReadOnlySpan<byte> line, ReadOnlySpan<byte> previous, Span<byte> output, int bpp, string source, int row)
    {
        if (filter > 4) throw Bad(source, $"row {row} has filter type {filter}; PNG defines 0 to 4");
        for (int i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? output[i - bpp] : 0;
            int b = previous.IsEmpty ? 0 : previous[i];
            int c = i >= bpp && !previous.IsEmpty ? previous[i - bpp] : 0;
            int predictor = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => Paeth(a, b, c),
            };
            output[i] = (byte)(line[i] + predictor);
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    internal static DataFormatException Bad(string source, string problem) => new($"PNG file '{source}': {problem}.");
}
