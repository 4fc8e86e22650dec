using System.Security.Cryptography;
using System.Text;

namespace DeepSharp;

/// <summary>
/// The one way DeepSharp writes a file: into a temporary file in the target's folder, flushed to
/// disk, then renamed over the target. A reader sees the old file or the new one, never half of
/// one; if writing fails, the temporary file is deleted and the old file stays as it was. A target
/// folder that does not exist is created first (with its parents), as <c>--out</c> and
/// ModelCheckpoint do, so every save behaves alike.
/// </summary>
/// <remarks>
/// The temporary file is <c>.NAME.tmp-HEX32</c> beside the target NAME; when NAME is longer than
/// <see cref="MaxPlainNameBytes"/> bytes (UTF-8) it becomes <c>.START~HASH8.tmp-HEX32</c> (its first
/// 200 bytes and 8 hex digits of its SHA-256), so that a name the file system accepts (up to 255 bytes)
/// always has a temporary name it accepts too. A process killed while writing leaves its temporary
/// file behind; each write removes the stale temporaries of its own target first: those no live
/// process holds open (a writer holds its temporary with <see cref="FileShare.None"/>, an OS lock that
/// ends with the process) and not written to for <see cref="StaleAge"/> (which covers the instant
/// between a writer creating its file and locking it, and file systems without locks).
/// </remarks>
internal static class AtomicFile
{
    /// <summary>Target names up to this many UTF-8 bytes keep their whole name in the temporary name (1 + 217 + 5 + 32 = 255).</summary>
    public const int MaxPlainNameBytes = 255 - 1 - 5 - 32;

    /// <summary>A temporary file untouched for this long, and not held open, is a leftover of a killed writer.</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromMinutes(1);

    private const string TempMarker = ".tmp-";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically, creating its folder if needed.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder); // a no-op when it exists; creates missing parents too
        string prefix = TempPrefix(Path.GetFileName(full));
        RemoveStale(folder, prefix);
        string temp = Path.Combine(folder, prefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>The temporary names of target <paramref name="name"/> are this prefix and 32 hex digits.</summary>
    internal static string TempPrefix(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxPlainNameBytes) return "." + name + TempMarker;
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return "." + Utf8Start(name, 200) + "~" + hash + TempMarker;
    }

    /// <summary>The longest start of <paramref name="name"/> of at most <paramref name="maxBytes"/> UTF-8 bytes, whole characters only.</summary>
    private static string Utf8Start(string name, int maxBytes)
    {
        int bytes = 0, end = 0;
        while (end < name.Length)
        {
            int length = char.IsSurrogatePair(name, end) ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(name.AsSpan(end, length));
            if (bytes + size > maxBytes) break;
            (bytes, end) = (bytes + size, end + length);
        }
        return name[..end];
    }

    /// <summary>Deletes the leftover temporaries of one target (see the remarks); never one a live writer holds.</summary>
    internal static void RemoveStale(string folder, string prefix)
    {
        try
        {
            foreach (var path in Directory.EnumerateFiles(folder, "*" + TempMarker + "*"))
            {
                var name = Path.GetFileName(path.AsSpan());
                if (!name.StartsWith(prefix, StringComparison.Ordinal) || !IsHex32(name[prefix.Length..])) continue;
                TryRemove(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleaning up is a courtesy: a folder that cannot be listed is not a reason to fail the write.
        }
    }

    private static void TryRemove(string path)
    {
        try
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < StaleAge) return;
            // FileShare.None fails while a writer holds the file; DeleteOnClose removes it while we hold it.
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Held by a live writer, or gone already.
        }
    }

    private static bool IsHex32(ReadOnlySpan<char> s)
    {
        if (s.Length != 32) return false;
        foreach (char c in s)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }
}
