namespace DeepSharp.Kernels.Cpu;

/// <summary>Pointers and sizes of one <see cref="RmsNormKernel"/> call (validated there); null pointers are absent buffers.</summary>
internal unsafe struct RmsNormArgs
{
    public float* X, Scale, Y, Rstd;  // forward: x (rows, cols), scale (cols) → y (rows, cols), rstd (rows)
    public float* Dy, Dx, Partial;    // backward: dx (+)= …; Partial: cols per block (Σdy·xhat), or null
    public float Epsilon;
    public int Rows, Cols;
    public bool IsBackward, AccumulateDx;
}

/// <summary>
/// The worker-pool body of an RMS-norm call: item b is the block of rows
/// [b·<see cref="BlockRows"/>, (b + 1)·<see cref="BlockRows"/>). One instance per calling thread, reused.
/// </summary>
internal sealed unsafe class RmsNormRows : IParallelBody
{
    /// <summary>Elements a block aims at (its rows and its column sums stay in a core's L1/L2).</summary>
    private const int BlockElements = 8192;

    /// <summary>At most this many blocks, so that the partial sums stay small beside the data.</summary>
    private const int MaxBlocks = 256;

    [ThreadStatic] private static RmsNormRows? t_instance;
    private RmsNormArgs _args;

    /// <summary>Rows per block for a (rows, cols) input: a function of the shape only, never of the thread count.</summary>
    public static int BlockRows(int rows, int cols) =>
        Math.Max(Math.Max(1, BlockElements / Math.Max(1, cols)), (rows + MaxBlocks - 1) / MaxBlocks);

    public static void Run(in RmsNormArgs args)
    {
        var body = t_instance ??= new RmsNormRows();
        body._args = args;
        int blockRows = BlockRows(args.Rows, args.Cols), blocks = (args.Rows + blockRows - 1) / blockRows;
        try { WorkerPool.Shared.For(blocks, body, (long)args.Rows * args.Cols); }
        finally { body._args = default; }
    }

    public void Execute(int block)
    {
        ref readonly var a = ref _args;
        int c = a.Cols, blockRows = BlockRows(a.Rows, c), first = block * blockRows, last = Math.Min(a.Rows, first + blockRows);
        KernelBounds.Range(first, last - first, a.Rows);
        if (!a.IsBackward)
        {
            for (int r = first; r < last; r++)
            {
                long o = (long)r * c;
                a.Rstd[r] = RmsNormRow.Forward(a.X + o, a.Scale, a.Epsilon, a.Y + o, c);
            }
            return;
        }
        float* sums = a.Partial is null ? null : a.Partial + (long)block * c;
        if (sums is not null) new Span<float>(sums, c).Clear();
        for (int r = first; r < last; r++)
        {
            long o = (long)r * c;
            RmsNormRow.Backward(a.X + o, a.Rstd[r], a.Scale, a.Dy + o, a.Dx is null ? null : a.Dx + o, a.AccumulateDx, sums, c);
        }
    }
}
