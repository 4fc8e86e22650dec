using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Hostile variants of a valid PNG for the fuzz tests: byte-level damage, chunk lengths, IHDR fields,
/// replaced zlib streams (random, truncated, too short, too long, bombs), reordered, duplicated and
/// unknown chunks — most with their CRCs recomputed so that the checks behind the CRC are reached.
/// </summary>
internal static class PngMutator
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A chunk as (type, data).</summary>
    public readonly record struct Chunk(string Type, byte[] Data);

    /// <summary>64 MB of zeros as zlib (about 64 KB), made once: a bomb for any small image.</summary>
    private static readonly Lazy<byte[]> s_bomb = new(() => Zlib(new byte[64 << 20], CompressionLevel.SmallestSize));

    public static byte[] Zlib(byte[] raw, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, level)) z.Write(raw);
        return output.ToArray();
    }

    /// <summary>The chunks of a well-formed PNG (lengths trusted).</summary>
    public static List<Chunk> Parse(byte[] png)
    {
        var chunks = new List<Chunk>();
        for (int at = 8; at + 12 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            chunks.Add(new Chunk(Encoding.ASCII.GetString(png, at + 4, 4), png[(at + 8)..(at + 8 + length)]));
            at += 12 + length;
        }
        return chunks;
    }

    /// <summary>Signature and chunks, each with a correct CRC.</summary>
    public static byte[] Build(IEnumerable<Chunk> chunks)
    {
        using var png = new MemoryStream();
        png.Write(Signature);
        foreach (var c in chunks) TestPng.Chunk(png, c.Type, c.Data);
        return png.ToArray();
    }

    /// <summary>One hostile variant of <paramref name="original"/> (a PNG from <see cref="TestPng.Encode"/>).</summary>
    public static byte[] Mutate(Random random, byte[] original)
    {
        var chunks = Parse(original);
        int ihdr = chunks.FindIndex(c => c.Type == "IHDR"), idat = chunks.FindIndex(c => c.Type == "IDAT");
        switch (random.Next(8))
        {
            case 0: // damage anywhere; CRCs left wrong
                return FuzzHarness.MutateBytes(random, original);
            case 1: // a chunk length field set to an edge value (CRCs kept)
                {
                    var bytes = (byte[])original.Clone();
                    var starts = new List<int>();
                    for (int at = 8; at + 12 <= bytes.Length; at += 12 + BinaryPrimitives.ReadInt32BigEndian(original.AsSpan(at))) starts.Add(at);
                    int s = starts[random.Next(starts.Count)];
                    uint old = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(s));
                    uint[] lengths = [0, 1, old - 1, old + 1, 13, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, (uint)bytes.Length, (uint)random.Next()];
                    BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(s), lengths[random.Next(lengths.Length)]);
                    return bytes;
                }
            case 2: // IHDR fields: dimensions, depth, color type, methods (CRC recomputed)
                {
                    var data = (byte[])chunks[ihdr].Data.Clone();
                    uint[] sizes = [0, 1, 2, 7, 11, 28, 8192, 16384, 16385, 65535, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];
                    for (int k = 1 + random.Next(2); k > 0; k--)
                    {
                        switch (random.Next(3))
                        {
                            case 0: BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(random.Next(2) * 4), sizes[random.Next(sizes.Length)]); break;
                            case 1: data[8 + random.Next(5)] = (byte)(random.Next(2) == 0 ? random.Next(8) : random.Next(256)); break;
                            default: data[9] = (byte)new[] { 0, 2, 3, 4, 6, 1, 5, 7 }[random.Next(8)]; break;
                        }
                    }
                    chunks[ihdr] = new Chunk("IHDR", random.Next(8) == 0 ? data[..random.Next(data.Length)] : data);
                    return Build(chunks);
                }
            case 3: // the zlib stream replaced (CRC recomputed)
                {
                    var h = chunks[ihdr].Data;
                    int width = BinaryPrimitives.ReadInt32BigEndian(h), height = BinaryPrimitives.ReadInt32BigEndian(h.AsSpan(4));
                    int channels = h[9] switch { 0 => 1, 4 => 2, 2 => 3, _ => 4 };
                    int rawLength = height * (width * channels + 1);
                    byte[] zlib = chunks[idat].Data;
                    switch (random.Next(7))
                    {
                        case 0: zlib = new byte[random.Next(64)]; random.NextBytes(zlib); break;
                        case 1: zlib = zlib[..random.Next(zlib.Length)]; break;
                        case 2: zlib = Zlib(new byte[Math.Max(0, rawLength - 1 - random.Next(20))]); break; // too little data
                        case 3: zlib = Zlib(new byte[rawLength + 1 + random.Next(1000)]); break;          // too much data
                        case 4: zlib = s_bomb.Value; break;                                                // 64 MB for a small image
                        case 5: // filter bytes out of range
                            {
                                var raw = new byte[rawLength];
                                for (int y = 0; y < height; y++) raw[y * (rawLength / height)] = (byte)random.Next(256);
                                zlib = Zlib(raw);
                                break;
                            }
                        default: // damage inside the deflate data (Adler-32 and all)
                            zlib = (byte[])zlib.Clone();
                            zlib[2 + random.Next(zlib.Length - 2)] ^= (byte)(1 << random.Next(8));
                            break;
                    }
                    chunks[idat] = new Chunk("IDAT", zlib);
                    return Build(chunks);
                }
            case 4: // the image data split over several IDAT chunks, maybe with another chunk between them
                {
                    var data = chunks[idat].Data;
                    int cut = random.Next(data.Length + 1);
                    var parts = new List<Chunk> { new("IDAT", data[..cut]), new("IDAT", data[cut..]) };
                    if (random.Next(2) == 0) parts.Insert(1, new Chunk(random.Next(2) == 0 ? "tEXt" : "IDAT", []));
                    if (random.Next(4) == 0) parts.Insert(1, new Chunk("zzZz", [1, 2, 3]));
                    chunks.RemoveAt(idat);
                    chunks.InsertRange(idat, parts);
                    return Build(chunks);
                }
            case 5: // chunks duplicated, dropped, moved, or an unknown critical or palette chunk added
                {
                    int i = random.Next(chunks.Count);
                    switch (random.Next(5))
                    {
                        case 0: chunks.Insert(random.Next(chunks.Count + 1), chunks[i]); break;
                        case 1: chunks.RemoveAt(i); break;
                        case 2: { var c = chunks[i]; chunks.RemoveAt(i); chunks.Insert(random.Next(chunks.Count + 1), c); break; }
                        case 3: chunks.Insert(random.Next(1, chunks.Count), new Chunk("ABCD", [0])); break;
                        default: chunks.Insert(random.Next(1, chunks.Count), new Chunk("PLTE", [0, 0, 0])); break;
                    }
                    return Build(chunks);
                }
            case 6: // a big ancillary chunk, or a chunk type that is not four letters
                {
                    var c = random.Next(2) == 0 ? new Chunk("zTXt", new byte[random.Next(1 << 16)]) : new Chunk("a\0b!", [1]);
                    chunks.Insert(random.Next(1, chunks.Count), c);
                    return Build(chunks);
                }
            default: // damage, then CRCs recomputed wherever the chunk structure still holds
                return Recrc(FuzzHarness.MutateBytes(random, original));
        }
    }

    /// <summary>Recomputes the CRC of every chunk whose length stays inside the bytes.</summary>
    private static byte[] Recrc(byte[] bytes)
    {
        for (int at = 8; at + 12 <= bytes.Length;)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            if (length > (uint)(bytes.Length - at - 12)) break;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at + 8 + (int)length), TestPng.Crc32(bytes[(at + 4)..(at + 8 + (int)length)]));
            at += 12 + (int)length;
        }
        return bytes;
    }

    /// <summary>The pixel bytes an IHDR claims, when it is readable and within the decoder's limits (else 0).</summary>
    public static long ClaimedPixelBytes(byte[] png)
    {
        if (png.Length < 33) return 0;
        long width = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), height = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20));
        long pixels = width * height;
        return pixels <= DeepSharp.Data.Images.PngDecoder.MaxPixels ? pixels * 4 : 0;
    }
}
