using System.Buffers.Binary;
using System.Text;

namespace DeepSharp.Data;

/// <summary>
/// The container of a <see cref="DatasetBundle"/>: the magic <c>DSBUNDLE</c>, the member count
/// (int32 LE), then per member its UTF-8 path length (int32 LE), path, data length (int32 LE) and
/// data. Members are in ordinal path order and appear once. The reader checks every length against
/// the bytes that remain, so a truncated or padded bundle is an error, never a partial read.
/// </summary>
public static class BundleFormat
{
    private static readonly byte[] Magic = "DSBUNDLE"u8.ToArray();
    private const int MaxPathBytes = 4096;

    /// <summary>The bundle of <paramref name="members"/> (path → bytes), sorted by path.</summary>
    public static byte[] Write(IReadOnlyDictionary<string, byte[]> members)
    {
        using var stream = new MemoryStream();
        stream.Write(Magic);
        WriteInt(stream, members.Count);
        foreach (var path in members.Keys.Order(StringComparer.Ordinal))
        {
            var name = Encoding.UTF8.GetBytes(path);
            if (name.Length == 0 || name.Length > MaxPathBytes) throw new ArgumentException($"Bundle member path '{path}' is empty or too long.");
            WriteInt(stream, name.Length);
            stream.Write(name);
            WriteInt(stream, members[path].Length);
            stream.Write(members[path]);
        }
        return stream.ToArray();
    }

    /// <summary>The members of a bundle, in order.</summary>
    /// <exception cref="DataFormatException">The bytes are not a well-formed bundle (the message names <paramref name="source"/>).</exception>
    public static IReadOnlyList<(string Path, byte[] Data)> Read(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < Magic.Length + 4 || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new DataFormatException($"{source}: not a DeepSharp data bundle (magic bytes missing).");
        int offset = Magic.Length;
        int count = ReadInt(bytes, ref offset, source, "member count");
        var members = new List<(string, byte[])>(Math.Min(count, 1 << 16));
        string? previous = null;
        for (int i = 0; i < count; i++)
        {
            int nameLength = ReadInt(bytes, ref offset, source, $"path length of member {i}");
            if (nameLength == 0 || nameLength > MaxPathBytes) throw new DataFormatException($"{source}: member {i} has a path of {nameLength} bytes.");
            string path = Encoding.UTF8.GetString(Take(bytes, ref offset, nameLength, source, i));
            if (previous is not null && string.CompareOrdinal(previous, path) >= 0)
                throw new DataFormatException($"{source}: member '{path}' is out of order or repeated.");
            int dataLength = ReadInt(bytes, ref offset, source, $"data length of '{path}'");
            members.Add((path, Take(bytes, ref offset, dataLength, source, i).ToArray()));
            previous = path;
        }
        if (offset != bytes.Length)
            throw new DataFormatException($"{source}: {bytes.Length - offset} bytes follow the last of {count} members.");
        return members;
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> bytes, ref int offset, int length, string source, int member)
    {
        if (length < 0 || length > bytes.Length - offset)
            throw new DataFormatException($"{source}: member {member} claims {length} bytes at offset {offset}; {bytes.Length - offset} remain.");
        var slice = bytes.Slice(offset, length);
        offset += length;
        return slice;
    }

    private static int ReadInt(ReadOnlySpan<byte> bytes, ref int offset, string source, string what)
    {
        if (bytes.Length - offset < 4) throw new DataFormatException($"{source}: truncated at offset {offset} (reading the {what}).");
        int value = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
        offset += 4;
        if (value < 0) throw new DataFormatException($"{source}: negative {what} ({value}) at offset {offset - 4}.");
        return value;
    }

    private static void WriteInt(Stream stream, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
        stream.Write(buffer);
    }
}
