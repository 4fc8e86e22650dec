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
