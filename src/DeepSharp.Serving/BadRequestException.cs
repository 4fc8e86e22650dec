namespace DeepSharp.Serving;

/// <summary>
/// A request the server refuses: its HTTP status (a 4xx, or 503 while overloaded or shutting down)
/// and a one-line message, which the client gets as <c>{"error": "..."}</c>.
/// </summary>
public sealed class BadRequestException : Exception
{
    /// <summary>A refusal with <paramref name="statusCode"/> and a message that says what was wrong and what is accepted.</summary>
    public BadRequestException(int statusCode, string message) : base(message) => StatusCode = statusCode;

    /// <summary>The HTTP status code the response gets.</summary>
    public int StatusCode { get; }
}
