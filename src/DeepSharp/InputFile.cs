using System.Text;

namespace DeepSharp;

/// <summary>
/// Opening and reading the files DeepSharp reads (model files, checkpoints, vocabularies, data sets),
/// so that a missing or unreadable file is a <see cref="FileAccessException"/>, like every other
/// bad-input error a <see cref="DeepSharpException"/>, never a bare <see cref="IOException"/> or
/// <see cref="UnauthorizedAccessException"/>.
/// </summary>
internal static class InputFile
{
    /// <summary>
    /// Opens <paramref name="path"/> and runs <paramref name="read"/> on it; a system error while opening or
    /// reading becomes a <see cref="FileAccessException"/> (DeepSharp's own exceptions pass unchanged).
    /// A pipe, a device or a socket is refused before it is opened (<see cref="SpecialFile"/>: opening a FIFO
    /// blocks, /dev/zero reports a length of 0 and never ends), so the stream's length can be trusted.
    /// </summary>
    public static T Read<T>(string path, Func<FileStream, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SpecialFile.Refuse(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (!stream.CanSeek) throw new FileAccessException(path, $"File '{path}' is not a regular file (a pipe or device?).");
            return read(stream);
        }
        catch (Exception e) when (FileAccessException.IsFileError(e))
        {
            throw FileAccessException.From(path, e);
        }
    }

    /// <summary>
    /// A UTF-8 text file of at most <paramref name="maxBytes"/> bytes (a larger one is a <see cref="DataFormatException"/>
    /// naming <paramref name="what"/>, before anything is read); bytes that are not UTF-8 become U+FFFD.
    /// </summary>
    public static string ReadText(string path, long maxBytes, string what) => Read(path, stream =>
    {
        if (stream.Length > maxBytes)
            throw new DataFormatException($"{what} '{path}' is {stream.Length} bytes; DeepSharp reads at most {maxBytes}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes.AsSpan(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? 3 : 0));
    });

    /// <summary>Runs <paramref name="action"/> (which reads <paramref name="path"/>, a file or folder); a system error becomes a <see cref="FileAccessException"/>.</summary>
    public static T Wrap<T>(string path, Func<T> action)
    {
        SpecialFile.Refuse(path);
        try
        {
            return action();
        }
        catch (Exception e) when (FileAccessException.IsFileError(e))
        {
            throw FileAccessException.From(path, e);
        }
    }
}
