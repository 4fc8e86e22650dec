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

    /// <summary>
    /// Every rank's <paramref name="send"/>, in rank order, into <paramref name="receive"/> of rank
    /// <paramref name="root"/> only (Size × send.Length values there; the other ranks' receive is not
    /// touched and may be empty). This default gathers on every rank and keeps root's copy; MPI calls
    /// <c>MPI_Gather</c>.
    /// </summary>
    public virtual void Gather<T>(ReadOnlySpan<T> send, Span<T> receive, int root) where T : unmanaged
    {
        var all = new T[checked(send.Length * Size)];
        Allgather(send, all);
        if (Rank == root) all.CopyTo(receive);
    }

    /// <summary>
    /// Starts an in-place all-gather of blocks of different sizes: rank d's block is
    /// <paramref name="counts"/>[d] floats at <paramref name="buffer"/> + <paramref name="displacements"/>[d];
    /// each rank's own block is already in place and every other rank's arrives there. The buffer and
    /// both arrays (Size ints each) must stay where they are (pinned) until the request is done. This
    /// default gathers at once (through <see cref="Allgather{T}"/>) and returns a finished request;
    /// MPI starts <c>MPI_Iallgatherv</c>.
    /// </summary>
    public virtual unsafe int StartAllgatherv(float* buffer, int* counts, int* displacements)
    {
        int longest = 0;
        for (int d = 0; d < Size; d++) longest = Math.Max(longest, counts[d]);
        var mine = new float[longest];
        new ReadOnlySpan<float>(buffer + displacements[Rank], counts[Rank]).CopyTo(mine);
        var all = new float[checked(longest * Size)];
        Allgather<float>(mine, all);
        for (int d = 0; d < Size; d++)
            if (d != Rank) all.AsSpan(d * longest, counts[d]).CopyTo(new Span<float>(buffer + displacements[d], counts[d]));
        return MpiNative.RequestNull;
    }

    /// <summary>
    /// Starts an all-to-all of blocks of different sizes: this rank sends <paramref name="sendCounts"/>[d]
    /// floats at <paramref name="send"/> + <paramref name="sendDisplacements"/>[d] to rank d, and receives
    /// rank s's block for it, <paramref name="receiveCounts"/>[s] floats, at <paramref name="receive"/> +
    /// <paramref name="receiveDisplacements"/>[s]. Buffers and arrays (Size ints each) must stay where they
    /// are (pinned) until the request is done. This default exchanges at once (through
    /// <see cref="Allgather{T}"/>: every rank's blocks reach every rank, so it is for tests and one rank)
    /// and returns a finished request; MPI starts <c>MPI_Ialltoallv</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A rank sends this rank a block of another size than it expects.</exception>
    public virtual unsafe int StartAlltoallv(float* send, int* sendCounts, int* sendDisplacements, float* receive, int* receiveCounts, int* receiveDisplacements)
    {
        int size = Size;
        var counts = new int[size];
        for (int d = 0; d < size; d++) counts[d] = sendCounts[d];
        var allCounts = new int[size * size];
        Allgather<int>(counts, allCounts);
        int longest = 0;
        for (int r = 0; r < size; r++)
        {
            long total = 0;
            for (int d = 0; d < size; d++) total += allCounts[r * size + d];
            longest = checked((int)Math.Max(longest, total));
        }
        var packed = new float[longest];
        int at = 0;
        for (int d = 0; d < size; d++)
        {
            new ReadOnlySpan<float>(send + sendDisplacements[d], sendCounts[d]).CopyTo(packed.AsSpan(at));
            at += sendCounts[d];
        }
        var all = new float[checked(longest * size)];
        Allgather<float>(packed, all);
        for (int s = 0; s < size; s++)
        {
            int offset = 0;
            for (int d = 0; d < Rank; d++) offset += allCounts[s * size + d];
            int count = allCounts[s * size + Rank];
            if (count != receiveCounts[s])
                throw new ArgumentException($"Alltoallv: rank {s} sends {count} floats to rank {Rank}, which expects {receiveCounts[s]}.", nameof(receiveCounts));
            all.AsSpan(s * longest + offset, count).CopyTo(new Span<float>(receive + receiveDisplacements[s], count));
        }
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
