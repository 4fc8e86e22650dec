using System.Security.Cryptography;

namespace DeepSharp.Data;

/// <summary>SHA-256 of files and streams as lowercase hex, the form <see cref="DatasetFile.Sha256"/> uses.</summary>
internal static class FileHash
{
    public static string Sha256Hex(string path)
    {
        SpecialFile.Refuse(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> and returns the SHA-256 of the bytes copied and their count.</summary>
    public static (string Sha256, long Length) CopyAndHash(Stream source, Stream destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long length = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            destination.Write(buffer, 0, read);
            length += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }
}
