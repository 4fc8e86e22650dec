using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace DeepSharp.Tests.Security;

/// <summary>Hand-made tar headers and tarballs for hostile-package tests (any size field, any type).</summary>
internal static class HostileTar
{
    /// <summary>A ustar header: <paramref name="name"/>, type flag, size (octal, or base-256 past 11 octal digits), valid checksum.</summary>
    public static byte[] Header(string name, char type, long size, string linkName = "")
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        if (size < 1L << 33)
            Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        else
        {
            h[124] = 0x80;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(h.AsSpan(128), size);
        }
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes(linkName).CopyTo(h, 157);
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        Sign(h);
        return h;
    }

    /// <summary>Writes a header's checksum (the header's byte sum with the checksum field as spaces).</summary>
    public static void Sign(Span<byte> h)
    {
        h[148..156].Fill((byte)' ');
        int sum = 0;
        foreach (var b in h) sum += b;
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h[148..]);
    }

    public static byte[] Gzip(byte[] bytes, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A plain tar (not gzipped) of entries made with <see cref="TarWriter"/>, for mutation.</summary>
    public static byte[] Tar(params TarEntry[] entries)
    {
        using var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var e in entries) tar.WriteEntry(e);
        return output.ToArray();
    }

    public static PaxTarEntry File(string name, byte[] data) => new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
}
