using DeepSharp.Distributed;

namespace DeepSharp.Tests.Distributed;

/// <summary>Ranks as threads of one process, for testing the reducers' logic without MPI: all-gather and broadcast through shared arrays and a barrier.</summary>
internal sealed class ThreadCommunicator : Communicator
{
    private readonly Shared _shared;

    private ThreadCommunicator(Shared shared, int rank) => (_shared, Rank) = (shared, rank);

    private sealed class Shared(int size)
    {
        public readonly Barrier Barrier = new(size);
        public readonly object?[] Slots = new object?[size];
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> threads, one per rank; returns each rank's result.</summary>
    public static T[] RunRanks<T>(int size, Func<Communicator, T> body)
    {
        var shared = new Shared(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try { results[r] = body(new ThreadCommunicator(shared, r)); }
            catch (Exception e) { errors[r] = e; shared.Barrier.RemoveParticipant(); }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var failed = errors.Where(e => e is not null).Select(e => e!).ToArray();
        if (failed.Length > 0) throw new AggregateException("a rank failed (a rank's failure can make the others' collectives mismatch: the first is the cause)", failed);
        return results;
    }

    public override int Rank { get; }
    public override int Size => _shared.Slots.Length;

    public override void Allgather<T>(ReadOnlySpan<T> send, Span<T> receive)
    {
        _shared.Slots[Rank] = send.ToArray();
        _shared.Barrier.SignalAndWait();
        for (int r = 0; r < Size; r++) ((T[])_shared.Slots[r]!).CopyTo(receive.Slice(r * send.Length, send.Length));
        _shared.Barrier.SignalAndWait();
    }

    public override void Broadcast<T>(Span<T> buffer, int root)
    {
        if (Rank == root) _shared.Slots[root] = buffer.ToArray();
        _shared.Barrier.SignalAndWait();
        if (Rank != root) ((T[])_shared.Slots[root]!).CopyTo(buffer);
        _shared.Barrier.SignalAndWait();
    }

    public override unsafe int StartSum(float* buffer, int count) => throw new NotSupportedException("The thread communicator has no non-blocking sum.");
    public override bool Test(ref int request) => true;
    public override void Wait(ref int request) { }
    public override void Barrier() => _shared.Barrier.SignalAndWait();
    public override void Abort(int code) => throw new InvalidOperationException($"abort {code}");
}
