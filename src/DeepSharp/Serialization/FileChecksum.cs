using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DeepSharp.Serialization;

/// <summary>
/// The "checksum" metadata of the files DeepSharp writes (checkpoints, model files, weights files): SHA-256 (lowercase hex) over, for each tensor in file
/// order, its name, dtype name, rank and dimensions (u64 little-endian) and bytes, then each other
/// metadata key and value in ordinal key order (strings UTF-8, each followed by a zero byte).
/// safetensors has no checksum of its own; without one a flipped bit in a weight would load, or be resumed
/// from, silently. A checkpoint must carry one; a model or weights file is verified when it does (files
/// from other tools, and DeepSharp's own from before this check, have none and still load).
/// </summary>
internal static class FileChecksum
{
    public const string Key = "checksum";

    public static void Sign(SafetensorsFile file) => file.Metadata[Key] = Compute(file);

    /// <summary>Throws unless the file carries a checksum that matches its contents (checkpoints).</summary>
    public static void Verify(SafetensorsFile file, string source)
    {
        if (!file.Metadata.ContainsKey(Key))
            throw new DataFormatException($"Checkpoint '{source}': metadata \"{Key}\" is missing.");
        VerifyIfPresent(file, "Checkpoint", source);
    }

    /// <summary>Throws when the file carries a checksum that does not match its contents; <paramref name="kind"/> names the file in the message.</summary>
    public static void VerifyIfPresent(SafetensorsFile file, string kind, string source)
    {
        if (!file.Metadata.TryGetValue(Key, out var stored)) return;
        string actual = Compute(file);
        if (!string.Equals(stored, actual, StringComparison.Ordinal))
            throw new DataFormatException($"{kind} '{source}': checksum mismatch (stored {SafetensorsHeader.Clip(stored)}, contents hash to {actual}): the file is corrupt.");
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

    /// <summary>The string's UTF-8 bytes and a zero byte, encoded in chunks (a metadata value can be 100 MB long).</summary>
    private static void AppendString(IncrementalHash hash, string s)
    {
        Span<byte> chunk = stackalloc byte[1024];
        var encoder = s_utf8.GetEncoder();
        ReadOnlySpan<char> rest = s;
        bool completed;
        do
        {
            encoder.Convert(rest, chunk, flush: true, out int charsUsed, out int bytesUsed, out completed);
            hash.AppendData(chunk[..bytesUsed]);
            rest = rest[charsUsed..];
        } while (!completed);
        hash.AppendData(Zero);
    }

    private static readonly Encoding s_utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private static ReadOnlySpan<byte> Zero => [0];
}
