namespace DeepSharp.Distributed;

/// <summary>
/// The ranks of a data-parallel job and the collectives training needs, over spans: MPI's world
/// (<see cref="MpiCommunicator"/>) or one process alone (<see cref="LocalCommunicator"/>, which
/// loads no MPI). Calls are collective: every rank makes the same calls in the same order.
/// </summary>
internal abstract unsafe class Communicator
{
    /// <summary>This process's rank, 0 ≤ rank &lt; <see cref="Size"/>.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public abstract int Size { get; }

    /// <summary>Every rank's <paramref name="send"/>, in rank order: <paramref name="receive"/> holds Size × send.Length values.</summary>
    public abstract void Allgather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged;

    /// <summary>Rank <paramref name="root"/>'s <paramref name="buffer"/>, copied into every rank's.</summary>
    public abstract void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged;

    /// <summary>
    /// Starts summing <paramref name="count"/> floats at <paramref name="buffer"/> over the ranks, in
    /// place (non-blocking); the memory must stay where it is until <see cref="Wait"/> returns.
    /// The order of the sum is MPI's: not deterministic beyond two ranks.
    /// </summary>
    public abstract unsafe int StartSum(float* buffer, int count);

    /// <summary>
    /// Starts gathering <paramref name="count"/> floats at <paramref name="send"/> from every rank into
    /// <paramref name="receive"/> (Size × count floats, in rank order), non-blocking; both buffers must
    /// stay where they are (pinned) until <see cref="Wait"/> or <see cref="Test"/> reports the request
    /// done. This default gathers at once and returns a finished request; MPI starts
    /// <c>MPI_Iallgather</c>.
    /// </summary>
    public virtual unsafe int StartAllgather(float* send, int count, float* receive)
    {
        Allgather<float>(new ReadOnlySpan<float>(send, count), new Span<float>(receive, checked(count * Size)));
        return MpiNative.RequestNull;
    }

    /// <summary>Whether a started sum has finished (and lets MPI make progress on it).</summary>
    public abstract bool Test(ref int request);

    /// <summary>Waits until a started sum has finished.</summary>
    public abstract void Wait(ref int request);

    /// <summary>Waits until every rank has called it.</summary>
    public abstract void Barrier();

    /// <summary>Ends the whole job with <paramref name="code"/>; returns only if that failed.</summary>
    public abstract void Abort(int code);

    /// <summary>Throws when <paramref name="bytes"/> does not fit one MPI call's int count.</summary>
    protected static int ByteCount(long bytes, string what) =>
        bytes <= int.MaxValue ? (int)bytes
            : throw new ArgumentOutOfRangeException(what, bytes, $"{what}: {bytes} bytes do not fit one MPI call (at most {int.MaxValue}).");
}
