namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The worker-pool body of one GEMM call: task t computes region (t / tasksN, t % tasksN) of a
/// tasksM×tasksN grid over C, packing its own blocks of A and B into its thread's buffers, or, for
/// the middle sizes, taking B from one buffer packed once for the call (<see cref="GemmSharedB"/>).
/// One instance per calling thread and kernel, reused, so a parallel call allocates nothing.
/// </summary>
/// <remarks>
/// Packing B once into a buffer shared by all regions, in a pass of its own before the regions
/// (a second fork/join), was tried and measured slower for the seed's 128×128×5408 on 2 threads
/// (~165 vs ~210 GFLOP/s); <see cref="GemmSharedB"/> packs lazily inside the regions instead, so
/// the thread that packs a group is usually the first to use it while it is in its L2.
/// </remarks>
internal sealed unsafe class GemmTasks<TKernel> : IParallelBody where TKernel : struct, IGemmMicroKernel
{
    [ThreadStatic] private static GemmTasks<TKernel>? t_instance;

    private GemmArgs _args;
    private GemmPackedB? _packedB;
    private GemmSharedB? _sharedB;
    private bool _shared;
    private int _tasksM, _tasksN, _unitsM, _unitsN;

    public static GemmTasks<TKernel> ForThisThread => t_instance ??= new GemmTasks<TKernel>();

    public void Run(in GemmArgs args, GemmPackedB? packedB, bool sharedB, int tasksM, int tasksN, int unitsM, int unitsN)
    {
        _args = args;
        _packedB = packedB;
        _shared = sharedB;
        if (sharedB) (_sharedB ??= new GemmSharedB()).Prepare(args, TKernel.Nr, WorkerPool.Shared.ThreadCount);
        _tasksM = tasksM;
        _tasksN = tasksN;
        _unitsM = unitsM;
        _unitsN = unitsN;
        try
        {
            WorkerPool.Shared.For(tasksM * tasksN, this);
        }
        finally
        {
            _packedB = null;
            _args = default;
            _sharedB?.Release();
        }
    }

    public void Execute(int index)
    {
        int tm = index / _tasksN, tn = index % _tasksN;
        int r0 = Math.Min(_args.M, (int)((long)tm * _unitsM / _tasksM) * TKernel.Mr);
        int r1 = Math.Min(_args.M, (int)((long)(tm + 1) * _unitsM / _tasksM) * TKernel.Mr);
        int c0 = Math.Min(_args.N, (int)((long)tn * _unitsN / _tasksN) * TKernel.Nr);
        int c1 = Math.Min(_args.N, (int)((long)(tn + 1) * _unitsN / _tasksN) * TKernel.Nr);
        if (_shared) GemmDriver<TKernel>.RunSharedRegion(_args, _sharedB!, r0, r1, c0, c1);
        else if (_packedB is null) GemmDriver<TKernel>.RunRegion(_args, r0, r1, c0, c1);
        else GemmDriver<TKernel>.RunPackedRegion(_args, _packedB, r0, r1, c0, c1);
    }
}
