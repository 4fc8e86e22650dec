using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DeepSharp.Data.Images;

/// <summary>
/// Decodes PNG files: 8-bit gray, gray+alpha, RGB and RGBA, not interlaced, with every scanline
/// filter (None, Sub, Up, Average, Paeth). Chunk CRCs are checked; sizes are checked before
/// anything large is allocated, and the image data is inflated only up to the size the header
/// promises. Anything else gives a <see cref="DataFormatException"/> naming the file.
/// </summary>
public static class PngDecoder
{
    /// <summary>Images with more pixels than this are refused (a guard against decompression bombs).</summary>
    public const long MaxPixels = 1L << 26;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads and decodes a PNG file.</summary>
    public static PngImage Decode(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>Decodes PNG bytes; <paramref name="source"/> names them in errors.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> png, string source)
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(Signature)) throw Bad(source, "not a PNG file (no PNG signature)");
        int position = 8;
        Header? header = null;
        using var compressed = new MemoryStream();
        bool ended = false;
        while (!ended)
        {
            if (png.Length - position < 12) throw Bad(source, $"truncated at byte {position}: a chunk needs at least 12 bytes");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            if (length > png.Length - position - 12) throw Bad(source, $"chunk at byte {position} claims {length} bytes, beyond the end of the file");
            var type = png.Slice(position + 4, 4);
            var data = png.Slice(position + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png[(position + 8 + (int)length)..]);
            string name = Encoding.ASCII.GetString(type);
            if (Crc32.Compute(type, data) != crc) throw Bad(source, $"chunk {name} at byte {position} has a wrong CRC");
            position += 12 + (int)length;

            if (header is null && name != "IHDR") throw Bad(source, $"the first chunk is {name}, expected IHDR");
            switch (name)
            {
                case "IHDR": header = header is null ? ReadHeader(data, source) : throw Bad(source, "two IHDR chunks"); break;
                case "IDAT": compressed.Write(data); break;
                case "IEND": ended = true; break;
                case "PLTE": throw Bad(source, "palette images are not supported; save it as 8-bit gray, RGB or RGBA");
                default:
                    if ((type[0] & 0x20) == 0) throw Bad(source, $"unknown critical chunk {name}");
                    break; // ancillary chunks (text, gamma, ...) are skipped
            }
        }
        return Inflate(header!.Value, compressed, source);
    }

    private readonly record struct Header(int Width, int Height, int Channels);

    private static Header ReadHeader(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length != 13) throw Bad(source, $"IHDR holds {data.Length} bytes, expected 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        byte depth = data[8], color = data[9], compression = data[10], filter = data[11], interlace = data[12];
        if (width == 0 || height == 0) throw Bad(source, $"size {width}×{height}: both must be positive");
        if ((long)width * height > MaxPixels) throw Bad(source, $"size {width}×{height} exceeds {MaxPixels} pixels");
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
        return new Header((int)width, (int)height, channels);
    }

    private static PngImage Inflate(Header h, MemoryStream compressed, string source)
    {
        int stride = h.Width * h.Channels;
        long rawLength = (long)h.Height * (stride + 1);
        // Deflate expands at most ~1032:1, so a short stream cannot hold a large image: check before allocating.
        if (rawLength > compressed.Length * 1032 + 1024)
            throw Bad(source, $"{compressed.Length} bytes of image data cannot inflate to the {rawLength} bytes a {h.Width}×{h.Height}×{h.Channels} image needs");
        var raw = new byte[rawLength];
        compressed.Position = 0;
        int read;
        try
        {
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            read = zlib.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"PNG file '{source}': image data is not valid zlib data ({e.Message}).", e);
        }
        if (read < raw.Length) throw Bad(source, $"image data inflates to {read} bytes, expected {raw.Length} for {h.Width}×{h.Height}×{h.Channels}");

        var pixels = new byte[(long)h.Height * stride];
        for (int y = 0; y < h.Height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride);
            var output = pixels.AsSpan(y * stride, stride);
            var previous = y == 0 ? default : pixels.AsSpan((y - 1) * stride, stride);
            Unfilter(filter, line, previous, output, h.Channels, source, y);
        }
        return new PngImage(h.Width, h.Height, h.Channels, pixels);
    }

    /// <summary>Undoes one scanline's filter; <paramref name="previous"/> is empty for the first row (treated as zeros).</summary>
    private static void Unfilter(byte filter, ReadOnlySpan<byte> line, ReadOnlySpan<byte> previous, Span<byte> output, int bpp, string source, int row)
    {
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
                4 => Paeth(a, b, c),
                _ => throw Bad(source, $"row {row} has filter type {filter}; PNG defines 0 to 4"),
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

    private static DataFormatException Bad(string source, string problem) => new($"PNG file '{source}': {problem}.");
}
