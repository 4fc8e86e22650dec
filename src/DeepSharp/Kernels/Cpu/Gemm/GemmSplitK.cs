using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Products with a small C and a long k (a Dense layer's forward at batch 128: 128×128×5408) give
// the threads little to share when C is cut into regions: every region reads all of k for its rows
// and columns, so the regions together pack (or read from the other core) B several times over,
// and on two threads such a call ran at 49–75 % of the FMA peak against 87 % on one (Zen 4).
// Here the k blocks (KC deep) are spread over the threads instead. They are cut into slices of
// consecutive blocks; slice 0 runs the ordinary loop nest into C (its blocks added to C in order,
// as on one thread); every block of the other slices is summed from zero into a partial of its own
// (M×N floats), and a second pass adds those partials to C in block order. Each output element is
// then the same sum, in the same order, as on the unsplit path — (((C + S₀) + S₁) + …), S_b the
// block's sum from zero, and C + S_b is the same number as S_b + C — so the results are
// bit-identical for any thread count and any slicing. The partials cost one write and one read of
// M×N floats per block outside slice 0 (a few per cent of the multiply for the shapes taken here).

/// <summary>A GEMM call whose k blocks are spread over the worker pool (see the notes above).</summary>
internal sealed unsafe class GemmSplitK<TKernel> : IParallelBody where TKernel : struct, IGemmMicroKernel
{
    /// <summary>The largest C (M·N floats) split this way: the partials stay in L2 and L3.</summary>
    public const long MaxCFloats = 64 * 1024;

    /// <summary>The fewest k blocks per thread for which k is split.</summary>
    public const int MinBlocksPerThread = 2;

    /// <summary>
    /// Slices per thread: a thread slowed by other work then takes fewer of them (measured on Zen 4, 2
    /// threads: 1 to 3 % faster than one slice per thread; three per thread cut 8 blocks unevenly).
    /// </summary>
    public const int SlicesPerThread = 2;

    private const int ReduceRows = 8;

    [ThreadStatic] private static GemmSplitK<TKernel>? t_instance;

    private GemmArgs _args;
    private float* _partials;
    private long _capacity;
    private int _blocks, _slices, _firstPartialBlock, _bands;
    private bool _reducing;

    /// <summary>
    /// Whether a call of these sizes on <paramref name="threads"/> threads splits k: C at most
    /// <see cref="MaxCFloats"/>, at least <see cref="MinBlocksPerThread"/> k blocks per thread.
    /// </summary>
    public static bool Applies(in GemmArgs args, int threads) =>
        GemmBlocking.SplitKEnabled && threads > 1 && (long)args.M * args.N <= MaxCFloats
        && (args.K + GemmBlocking.Kc - 1) / GemmBlocking.Kc >= MinBlocksPerThread * threads;

    /// <summary>Runs the call (the caller has checked <see cref="Applies"/>).</summary>
    public static void Multiply(in GemmArgs args, int threads) => (t_instance ??= new GemmSplitK<TKernel>()).Run(args, threads);

    private void Run(in GemmArgs args, int threads)
    {
        _args = args;
        _blocks = (args.K + GemmBlocking.Kc - 1) / GemmBlocking.Kc;
        _slices = Math.Min(_blocks, threads * SlicesPerThread);
        _firstPartialBlock = SliceStart(1);
        long floats = (long)(_blocks - _firstPartialBlock) * args.M * args.N;
        if (floats > _capacity)
        {
            Free();
            _partials = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            _capacity = floats;
        }
        _bands = (args.M + ReduceRows - 1) / ReduceRows;
        try
        {
            _reducing = false;
            WorkerPool.Shared.For(_slices, this);
            _reducing = true;
            WorkerPool.Shared.For(_bands, this);
        }
        finally
        {
            _args = default;
        }
    }

    /// <summary>The first k block of slice <paramref name="s"/> (slices differ by at most one block).</summary>
    private int SliceStart(int s) => (int)((long)s * _blocks / _slices);

    public void Execute(int index)
    {
        if (_reducing) Reduce(index);
        else Compute(index);
    }

    /// <summary>Slice <paramref name="s"/>: slice 0 into C, each block of the others into its partial.</summary>
    private void Compute(int s)
    {
        int b0 = SliceStart(s), b1 = SliceStart(s + 1);
        if (s == 0)
        {
            var head = _args;
            head.K = Math.Min(_args.K, b1 * GemmBlocking.Kc);
            GemmDriver<TKernel>.RunRegion(head, 0, head.M, 0, head.N);
            return;
        }
        for (int b = b0; b < b1; b++)
        {
            var block = BlockArgs(b);
            GemmDriver<TKernel>.RunRegion(block, 0, block.M, 0, block.N);
        }
    }

    /// <summary>The call restricted to k block <paramref name="b"/>, written from zero into its partial (M×N, rows N apart).</summary>
    private GemmArgs BlockArgs(int b)
    {
        var a = _args;
        int pc = b * GemmBlocking.Kc;
        long offsetA = a.TransA ? (long)pc * a.Lda : pc, offsetB = a.TransB ? pc : (long)pc * a.Ldb;
        a.A += offsetA;
        a.LengthA -= offsetA;
        a.B += offsetB;
        a.LengthB -= offsetB;
        a.K = Math.Min(GemmBlocking.Kc, _args.K - pc);
        a.C = Partial(b);
        a.Ldc = a.N;
        a.LengthC = (long)a.M * a.N;
        a.Accumulate = false;
        return a;
    }

    private float* Partial(int b) => _partials + (long)(b - _firstPartialBlock) * _args.M * _args.N;

    /// <summary>Rows of band <paramref name="band"/>: C += each partial, in block order.</summary>
    private void Reduce(int band)
    {
        int r0 = band * ReduceRows, r1 = Math.Min(_args.M, r0 + ReduceRows), n = _args.N;
        for (int b = _firstPartialBlock; b < _blocks; b++)
        {
            float* p = Partial(b);
            for (int i = r0; i < r1; i++)
            {
                KernelBounds.Range((long)i * _args.Ldc, n, _args.LengthC);
                Add(_args.C + i * _args.Ldc, p + (long)i * n, n);
            }
        }
    }

    /// <summary>c[j] += p[j] for j &lt; n (one rounding per element, as the micro-kernels' stores).</summary>
    private static void Add(float* c, float* p, int n)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j + 16 <= n; j += 16) (Vector512.Load(c + j) + Vector512.Load(p + j)).Store(c + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= n; j += 8) (Vector256.Load(c + j) + Vector256.Load(p + j)).Store(c + j);
        for (; j < n; j++) c[j] += p[j];
    }

    ~GemmSplitK() => Free();

    private void Free()
    {
        if (_partials is null) return;
        NativeMemory.AlignedFree(_partials);
        _partials = null;
        _capacity = 0;
    }
}
