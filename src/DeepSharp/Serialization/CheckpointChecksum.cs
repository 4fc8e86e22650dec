using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DeepSharp.Serialization;

/// <summary>
/// The "checksum" metadata of a checkpoint: SHA-256 (lowercase hex) over, for each tensor in file
/// order, its name, dtype name, rank and dimensions (u64 little-endian) and bytes, then each other
/// metadata key and value in ordinal key order (strings UTF-8, each followed by a zero byte).
/// safetensors has no checksum of its own; without one a flipped bit in a weight would be resumed from.
/// </summary>
internal static class CheckpointChecksum
{
    public const string Key = "checksum";

    public static void Sign(SafetensorsFile file) => file.Metadata[Key] = Compute(file);

    public static void Verify(SafetensorsFile file, string source)
    {
        if (!file.Metadata.TryGetValue(Key, out var stored))
            throw new DataFormatException($"Checkpoint '{source}': metadata \"{Key}\" is missing.");
        string actual = Compute(file);
        if (!string.Equals(stored, actual, StringComparison.Ordinal))
            throw new DataFormatException($"Checkpoint '{source}': checksum mismatch (stored {stored}, contents hash to {actual}): the file is corrupt.");
    }

    private static string Compute(SafetensorsFile file)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        foreach (var entry in file.Entries)
        {
            AppendString(hash, entry.Name);
            AppendString(hash, entry.DType.Name());
            BinaryPrimitives.WriteUInt64LittleEndian(number, (ulong)entry.Shape.Count);
            hash.AppendData(number);
            foreach (long d in entry.Shape)
            {
                BinaryPrimitives.WriteInt64LittleEndian(number, d);
                hash.AppendData(number);
            }
            hash.AppendData(entry.Data.Span);
        }
        var keys = file.Metadata.Keys.Where(k => k != Key).ToList();
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            AppendString(hash, key);
            AppendString(hash, file.Metadata[key]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendString(IncrementalHash hash, string s)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(s));
        hash.AppendData([0]);
    }
}
