namespace DeepSharp.Serving;

/// <summary>
/// How <see cref="ModelServer"/> listens, batches and limits requests (<c>deepsharp serve</c>'s options).
/// The defaults suit a small model on one machine; every limit answers a request over it with a 4xx.
/// </summary>
public sealed class ServingOptions
{
    /// <summary>The address to listen on: loopback unless told otherwise (use 0.0.0.0 to serve other machines).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (read it back from <see cref="ModelServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>
    /// The largest batch the dynamic batcher gives the model (Triton's max_batch_size); 1 turns batching off,
    /// and each request then runs on its own thread, several at once.
    /// </summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>
    /// How long the batcher holds the first request of a batch waiting for others (Triton's
    /// max_queue_delay_microseconds); a full batch goes at once.
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How many batches may run at once (Triton's instance_group count): each instance is a batching loop
    /// with its own input buffer, all taking from one queue. One suits a model whose Predict spreads a batch
    /// over every core; more keep the cores busy when it does not (a recurrent model's steps, a small model
    /// beside HTTP's work). Ignored when <see cref="MaxBatchSize"/> is 1.
    /// </summary>
    public int Instances { get; init; } = 1;

    /// <summary>The largest request body, in bytes (JSON, PNG or multipart); larger ones get 413.</summary>
    public long MaxBodyBytes { get; init; } = 4L << 20;

    /// <summary>The most inputs (samples) one request may carry.</summary>
    public int MaxInputsPerRequest { get; init; } = 256;

    /// <summary>Requests waiting in the batcher's queue beyond which new ones get 503 (back-pressure).</summary>
    public int MaxQueuedRequests { get; init; } = 4096;

    /// <summary>A name per output class (e.g. read from a labels file), or null to name classes by index.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>How long a shutdown (SIGTERM, Ctrl-C, <see cref="ModelServer.StopAsync"/>) waits for requests in flight.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the one out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("Host must name an address, e.g. 127.0.0.1.");
        if (Port is < 0 or > 65535) throw new ArgumentException($"Port {Port} is not a TCP port (0 to 65535).");
        if (MaxBatchSize < 1) throw new ArgumentException($"MaxBatchSize must be at least 1, got {MaxBatchSize}.");
        if (Instances is < 1 or > 64) throw new ArgumentException($"Instances must be between 1 and 64, got {Instances}.");
        if (MaxWait < TimeSpan.Zero || MaxWait > TimeSpan.FromSeconds(10))
            throw new ArgumentException($"MaxWait must be between 0 and 10 s, got {MaxWait.TotalMilliseconds} ms.");
        if (MaxBodyBytes < 1024) throw new ArgumentException($"MaxBodyBytes must be at least 1024, got {MaxBodyBytes}.");
        if (MaxInputsPerRequest < 1) throw new ArgumentException($"MaxInputsPerRequest must be at least 1, got {MaxInputsPerRequest}.");
        if (MaxQueuedRequests < 1) throw new ArgumentException($"MaxQueuedRequests must be at least 1, got {MaxQueuedRequests}.");
    }
}
