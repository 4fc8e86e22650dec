using System.Text;

namespace DeepSharp;

/// <summary>
/// Reads a whole file the way DeepSharp's own readers do, for programs that read files their users name
/// (the <c>deepsharp</c> command's labels, prompts, vocabularies and CSV files): a pipe, a device or a socket
/// is refused before it is opened (opening a FIFO blocks until a writer comes; /dev/zero reports 0 bytes and
/// never ends), a file over <c>maxBytes</c> is refused before it is read, no more than the file's length is
/// read, and every failure is a <see cref="DeepSharpException"/> naming the file.
/// </summary>
public static class BoundedFile
{
    /// <summary>Throws when <paramref name="path"/> names a pipe, a device or a socket rather than a regular file or a folder.</summary>
    /// <param name="path">The path a user gave.</param>
    /// <param name="what">How errors name the file ("Labels file").</param>
    /// <exception cref="FileAccessException">The path names a pipe, a device or a socket.</exception>
    public static void ThrowIfNotRegular(string path, string what = "File")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SpecialFile.Refuse(path, what);
    }

    /// <summary>The bytes of a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The largest file read.</param>
    /// <param name="what">How errors name the file ("Labels file").</param>
    /// <exception cref="FileAccessException">The file is missing, unreadable, or a pipe, device or socket.</exception>
    /// <exception cref="DataFormatException">The file is larger than <paramref name="maxBytes"/>.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what = "File")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        SpecialFile.Refuse(path, what);
        return InputFile.Read(path, stream =>
        {
            if (stream.Length > maxBytes)
                throw new DataFormatException($"{what} '{TerminalText.Escape(path)}' is {stream.Length} bytes; at most {maxBytes} are read.");
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        });
    }

    /// <summary>The UTF-8 text of a regular file of at most <paramref name="maxBytes"/> bytes (a byte-order mark is dropped; bytes that are not UTF-8 become U+FFFD).</summary>
    /// <inheritdoc cref="ReadAllBytes"/>
    public static string ReadAllText(string path, long maxBytes, string what = "File")
    {
        var bytes = ReadAllBytes(path, maxBytes, what);
        return Encoding.UTF8.GetString(bytes.AsSpan(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? 3 : 0));
    }
}
