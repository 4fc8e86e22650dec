namespace DeepSharp;

/// <summary>Base of every exception DeepSharp throws for bad input, files or configuration.</summary>
public class DeepSharpException : Exception
{
    /// <param name="message">What went wrong, with the context a user needs (layer, shape, file).</param>
    public DeepSharpException(string message) : base(message) { }
    /// <param name="message">What went wrong, with the context a user needs (layer, shape, file).</param>
    /// <param name="inner">The lower-level error that caused this one.</param>
    public DeepSharpException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A file's bytes do not follow its format (the message names the file and the problem).</summary>
public class DataFormatException : DeepSharpException
{
    /// <param name="message">The file and what in it is wrong (offset, field, expected vs found).</param>
    public DataFormatException(string message) : base(message) { }
    /// <param name="message">The file and what in it is wrong (offset, field, expected vs found).</param>
    /// <param name="inner">The parser's or decoder's own error.</param>
    public DataFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A data set could not be found, fetched or verified (the message says what was tried).</summary>
public class DatasetUnavailableException : DeepSharpException
{
    /// <param name="message">The data set and the places or checks that failed.</param>
    public DatasetUnavailableException(string message) : base(message) { }
    /// <param name="message">The data set and the places or checks that failed.</param>
    /// <param name="inner">The download, file or checksum error behind it.</param>
    public DatasetUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Tensor shapes do not fit an operation or layer (the message names both shapes).</summary>
public class ShapeMismatchException : DeepSharpException
{
    /// <param name="message">The operation or layer, the expected shape and the shape it got.</param>
    public ShapeMismatchException(string message) : base(message) { }
    /// <param name="message">The operation or layer, the expected shape and the shape it got.</param>
    /// <param name="inner">The failure that showed the mismatch.</param>
    public ShapeMismatchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// A file could not be opened or read: it does not exist, access is denied, it is not a regular file, or
/// the system reported an I/O error (kept as <see cref="Exception.InnerException"/>). The message names the file.
/// </summary>
public class FileAccessException : DeepSharpException
{
    /// <param name="path">The file that could not be read (kept as <see cref="FilePath"/>).</param>
    /// <param name="message">Why, naming the file.</param>
    public FileAccessException(string path, string message) : base(message) => FilePath = path;
    /// <param name="path">The file that could not be read (kept as <see cref="FilePath"/>).</param>
    /// <param name="message">Why, naming the file.</param>
    /// <param name="inner">The system error (<see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>).</param>
    public FileAccessException(string path, string message, Exception inner) : base(message, inner) => FilePath = path;

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }

    /// <summary>The exception for <paramref name="error"/>, a system error opening or reading <paramref name="path"/>.</summary>
    internal static FileAccessException From(string path, Exception error) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => new(path, $"File '{path}' does not exist.", error),
        UnauthorizedAccessException => new(path, $"File '{path}' cannot be read: {error.Message}", error),
        _ => new(path, $"File '{path}' cannot be read ({error.Message}).", error),
    };

    /// <summary>Whether <paramref name="e"/> is a system error about a file (not a bug): <see cref="IOException"/> (which includes a missing file) or <see cref="UnauthorizedAccessException"/>.</summary>
    internal static bool IsFileError(Exception e) => e is IOException or UnauthorizedAccessException;
}
