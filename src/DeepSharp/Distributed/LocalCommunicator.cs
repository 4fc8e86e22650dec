namespace DeepSharp.Distributed;

/// <summary>One rank alone, without MPI: collectives copy (or do nothing). What a process started without <c>mpiexec</c> trains with.</summary>
internal sealed class LocalCommunicator : Communicator
{
    public static LocalCommunicator Instance { get; } = new();

    public override int Rank => 0;
    public override int Size => 1;

    public override void Allgather<T>(ReadOnlySpan<T> send, Span<T> receive) => send.CopyTo(receive);

    public override void Broadcast<T>(Span<T> buffer, int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A single-process job has rank 0 only.");
    }

    public override unsafe int StartSum(float* buffer, int count) => 0;
    public override bool Test(ref int request) => true;
    public override void Wait(ref int request) { }
    public override void Barrier() { }
    public override void Abort(int code) => Environment.Exit(code);
}
