namespace DeepSharp.Distributed;

/// <summary>An MPI call returned an error; the message holds the call and MPI's own error string.</summary>
public sealed class MpiException : DeepSharpException
{
    /// <param name="function">The MPI function, e.g. <c>MPI_Allreduce</c>.</param>
    /// <param name="errorCode">The code it returned.</param>
    /// <param name="errorString">MPI's text for the code (<c>MPI_Error_string</c>).</param>
    public MpiException(string function, int errorCode, string errorString)
        : base($"{function} failed with MPI error {errorCode}: {errorString}") => (Function, ErrorCode) = (function, errorCode);

    /// <summary>The MPI function that failed.</summary>
    public string Function { get; }

    /// <summary>The error code it returned.</summary>
    public int ErrorCode { get; }
}

/// <summary>MPI was asked for but its library (MPICH's <c>libmpich.so.12</c>) cannot be loaded; the message says what to install.</summary>
public sealed class MpiUnavailableException : DeepSharpException
{
    /// <param name="message">What was tried and what to install.</param>
    public MpiUnavailableException(string message) : base(message) { }
}
