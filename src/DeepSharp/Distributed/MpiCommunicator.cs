using System.Runtime.CompilerServices;

namespace DeepSharp.Distributed;

/// <summary>
/// MPI_COMM_WORLD of a job launched with <c>mpiexec</c>. <see cref="World"/> initialises MPI once
/// per process (MPI_THREAD_SERIALIZED, errors returned as codes rather than aborting) and
/// finalises it when the process exits.
/// </summary>
internal sealed unsafe class MpiCommunicator : Communicator
{
    private static MpiCommunicator? _world;
    private static readonly Lock Gate = new();

    private MpiCommunicator(int rank, int size) => (Rank, Size) = (rank, size);

    /// <summary>The job's world, MPI initialised on first use.</summary>
    /// <exception cref="MpiUnavailableException">libmpich.so.12 is not installed.</exception>
    /// <exception cref="MpiException">MPI failed to initialise.</exception>
    public static MpiCommunicator World
    {
        get
        {
            lock (Gate)
            {
                if (_world is not null) return _world;
                MpiNative.EnsureLoaded();
                if (!Mpi.Initialized())
                {
                    Mpi.InitSerialized();
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => FinalizeOnExit();
                }
                Mpi.ReturnErrors(MpiNative.CommWorld);
                return _world = new MpiCommunicator(Mpi.Rank(MpiNative.CommWorld), Mpi.Size(MpiNative.CommWorld));
            }
        }
    }

    public override int Rank { get; }
    public override int Size { get; }

    public override void Allgather<T>(ReadOnlySpan<T> send, Span<T> receive)
    {
        if (receive.Length != (long)send.Length * Size)
            throw new ArgumentException($"Allgather: the receive buffer holds {receive.Length} values; {Size} ranks × {send.Length} need {(long)send.Length * Size}.", nameof(receive));
        int bytes = ByteCount((long)send.Length * sizeof(T), "Allgather");
        fixed (T* s = send)
        fixed (T* r = receive)
            Mpi.Allgather(s, bytes, MpiNative.Byte, r, bytes, MpiNative.Byte, MpiNative.CommWorld);
    }

    public override void Broadcast<T>(Span<T> buffer, int root)
    {
        int bytes = ByteCount((long)buffer.Length * sizeof(T), "Broadcast");
        fixed (T* b = buffer) Mpi.Bcast(b, bytes, MpiNative.Byte, root, MpiNative.CommWorld);
    }

    public override int StartSum(float* buffer, int count) =>
        Mpi.Iallreduce(MpiNative.InPlace, buffer, count, MpiNative.Float, MpiNative.Sum, MpiNative.CommWorld);

    public override int StartAllgather(float* send, int count, float* receive) =>
        Mpi.Iallgather(send, count, MpiNative.Float, receive, count, MpiNative.Float, MpiNative.CommWorld);

    public override void Gather<T>(ReadOnlySpan<T> send, Span<T> receive, int root)
    {
        if (Rank == root && receive.Length != (long)send.Length * Size)
            throw new ArgumentException($"Gather: the receive buffer holds {receive.Length} values; {Size} ranks × {send.Length} need {(long)send.Length * Size}.", nameof(receive));
        int bytes = ByteCount((long)send.Length * sizeof(T), "Gather");
        fixed (T* s = send)
        fixed (T* r = receive)
            Mpi.Gather(s, bytes, MpiNative.Byte, r, bytes, MpiNative.Byte, root, MpiNative.CommWorld);
    }

    public override int StartAllgatherv(float* buffer, int* counts, int* displacements) =>
        Mpi.Iallgatherv(MpiNative.InPlace, 0, MpiNative.Float, buffer, counts, displacements, MpiNative.Float, MpiNative.CommWorld);

    public override int StartAlltoallv(float* send, int* sendCounts, int* sendDisplacements, float* receive, int* receiveCounts, int* receiveDisplacements) =>
        Mpi.Ialltoallv(send, sendCounts, sendDisplacements, MpiNative.Float, receive, receiveCounts, receiveDisplacements, MpiNative.Float, MpiNative.CommWorld);

    public override bool Test(ref int request) => Mpi.Test(ref request);
    public override void Wait(ref int request) => Mpi.Wait(ref request);
    public override void Barrier() => Mpi.Barrier(MpiNative.CommWorld);

    public override void Abort(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Mpi.Abort(MpiNative.CommWorld, code);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FinalizeOnExit()
    {
        try
        {
            if (!Mpi.Finalized()) Mpi.FinalizeMpi();
        }
        catch (MpiException) { } // the process is ending; nothing left to tell
    }
}
