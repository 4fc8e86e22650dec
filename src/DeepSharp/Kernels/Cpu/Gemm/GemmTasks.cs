namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Runs one GEMM call on the worker pool: C is cut into a tasksM×tasksN grid of regions. An operand
/// that several regions would each pack (A when C is split by columns, B when split by rows) is
/// first packed once, in parallel, into a shared buffer; then each task computes one region.
/// One instance per calling thread and kernel, reused, so a parallel call allocates nothing.
/// </summary>
internal sealed unsafe class GemmTasks<TKernel> : IParallelBody where TKernel : struct, IGemmMicroKernel
{
    /// <summary>Columns of op(B) per shared-packing work item (a multiple of every Nr).</summary>
    private const int PackChunkCols = 256;

    [ThreadStatic] private static GemmTasks<TKernel>? t_instance;

    private GemmArgs _args;
    private int _tasksM, _tasksN, _unitsM, _unitsN;
    private float* _sharedA, _sharedB;
    private bool _packing;
    private int _kBlocks, _chunksA, _chunksB, _mc;

    public static GemmTasks<TKernel> ForThisThread => t_instance ??= new GemmTasks<TKernel>();

    public void Run(in GemmArgs args, int tasksM, int tasksN, int unitsM, int unitsN)
    {
        _args = args;
        _tasksM = tasksM;
        _tasksN = tasksN;
        _unitsM = unitsM;
        _unitsN = unitsN;
        _mc = GemmBlocking.Mc / TKernel.Mr * TKernel.Mr;
        _kBlocks = (args.K + GemmBlocking.Kc - 1) / GemmBlocking.Kc;
        _chunksA = tasksN > 1 ? (args.M + _mc - 1) / _mc : 0;
        _chunksB = tasksM > 1 ? (args.N + PackChunkCols - 1) / PackChunkCols : 0;
        long sizeA = _chunksA > 0 ? GemmDriver<TKernel>.PaddedRows(args.M) * args.K : 0;
        long sizeB = _chunksB > 0 ? GemmDriver<TKernel>.PaddedCols(args.N) * args.K : 0;
        float* shared = GemmBlocking.Buffers.Shared(sizeA + sizeB);
        _sharedA = _chunksA > 0 ? shared : null;
        _sharedB = _chunksB > 0 ? shared + sizeA : null;
        try
        {
            _packing = true;
            WorkerPool.Shared.For(_kBlocks * (_chunksA + _chunksB), this);
            _packing = false;
            WorkerPool.Shared.For(tasksM * tasksN, this);
        }
        finally
        {
            _sharedA = _sharedB = null;
        }
    }

    public void Execute(int index)
    {
        if (_packing) Pack(index);
        else Compute(index);
    }

    /// <summary>Item index packs one k block of one chunk of A rows, or of B columns.</summary>
    private void Pack(int index)
    {
        int block = index / (_chunksA + _chunksB), chunk = index % (_chunksA + _chunksB);
        int pc = block * GemmBlocking.Kc;
        if (chunk < _chunksA)
        {
            int i0 = chunk * _mc;
            GemmDriver<TKernel>.PackShared(_args, true, pc, i0, Math.Min(_mc, _args.M - i0), _sharedA);
        }
        else
        {
            int j0 = (chunk - _chunksA) * PackChunkCols;
            GemmDriver<TKernel>.PackShared(_args, false, pc, j0, Math.Min(PackChunkCols, _args.N - j0), _sharedB);
        }
    }

    /// <summary>Task index computes region (index / tasksN, index % tasksN) of the grid.</summary>
    private void Compute(int index)
    {
        int tm = index / _tasksN, tn = index % _tasksN;
        int r0 = Math.Min(_args.M, (int)((long)tm * _unitsM / _tasksM) * TKernel.Mr);
        int r1 = Math.Min(_args.M, (int)((long)(tm + 1) * _unitsM / _tasksM) * TKernel.Mr);
        int c0 = Math.Min(_args.N, (int)((long)tn * _unitsN / _tasksN) * TKernel.Nr);
        int c1 = Math.Min(_args.N, (int)((long)(tn + 1) * _unitsN / _tasksN) * TKernel.Nr);
        GemmDriver<TKernel>.RunRegion(_args, r0, r1, c0, c1, _sharedA, _sharedB);
    }
}
