namespace DeepSharp;

/// <summary>Base of every exception DeepSharp throws for bad input, files or configuration.</summary>
public class DeepSharpException : Exception
{
    public DeepSharpException(string message) : base(message) { }
    public DeepSharpException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A file's bytes do not follow its format (the message names the file and the problem).</summary>
public class DataFormatException : DeepSharpException
{
    public DataFormatException(string message) : base(message) { }
    public DataFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A data set could not be found, fetched or verified (the message says what was tried).</summary>
public class DatasetUnavailableException : DeepSharpException
{
    public DatasetUnavailableException(string message) : base(message) { }
    public DatasetUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Tensor shapes do not fit an operation or layer (the message names both shapes).</summary>
public class ShapeMismatchException : DeepSharpException
{
    public ShapeMismatchException(string message) : base(message) { }
}

/// <summary>
/// A file could not be opened or read: it does not exist, access is denied, it is not a regular file, or
/// the system reported an I/O error (kept as <see cref="Exception.InnerException"/>). The message names the file.
/// </summary>
public class FileAccessException : DeepSharpException
{
    public FileAccessException(string path, string message) : base(message) => FilePath = path;
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
