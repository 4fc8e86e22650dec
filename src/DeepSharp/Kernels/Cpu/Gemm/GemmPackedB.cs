using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A recurrent layer multiplies the same U by a new h at every time step (M = batch rows, K = units,
// N = gates·units): packing op(B) on every call then costs more than the multiply (a 256×1024 U is
// 262k floats packed for 8.4M multiply-adds at batch 32). Packed once per sequence, the per-step
// product only packs its few rows of A.
// Layout: k cut into blocks of GemmBlocking.Kc; block pc (depth kc) starts at pc·paddedN and holds
// paddedN / Nr micro-panels of kc×Nr floats, exactly as GemmPacking.PackB writes a whole-width
// panel, zero-padded to whole panels. Because the blocks, the micro-kernel and the order of the
// partial sums are those of the unpacked path at the same instruction-set level, a product through
// a packed B is bit-identical to Gemm.Multiply with the same operands.

/// <summary>op(B) packed once into micro-kernel panels for many products A·op(B) with the same B.</summary>
internal sealed unsafe class GemmPackedB : IDisposable
{
    private float* _data;

    private GemmPackedB(GemmKernelKind kind, int k, int n, int nr)
    {
        Kind = kind;
        K = k;
        N = n;
        PaddedN = (n + nr - 1) / nr * nr;
        Floats = (long)k * PaddedN;
        _data = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, Floats) * sizeof(float), 64);
    }

    /// <summary>Rows of op(B): the products' reduction depth.</summary>
    public int K { get; }

    /// <summary>Columns of op(B) and of the products.</summary>
    public int N { get; }

    /// <summary>N rounded up to whole micro-panels.</summary>
    public int PaddedN { get; }

    /// <summary>Floats held.</summary>
    public long Floats { get; }

    /// <summary>The micro-kernel whose panel width the data have (the one this CPU runs).</summary>
    public GemmKernelKind Kind { get; }

    /// <summary>Packs op(B) (k×n; B stored n×k when <paramref name="transB"/>) with leading dimension <paramref name="ldb"/>.</summary>
    /// <exception cref="ArgumentException">A size is negative, ldb is smaller than a stored row, or <paramref name="b"/> is too short.</exception>
    public static GemmPackedB Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb)
    {
        if (k < 0 || n < 0) throw new ArgumentOutOfRangeException(nameof(k), $"GemmPackedB sizes must be non-negative: k={k}, n={n}.");
        Gemm.CheckOperand("B", transB ? n : k, transB ? k : n, ldb, b.Length, "ldb", 0, n, k);
        var kind = GemmKernels.Current;
        int nr = GemmKernels.Nr(kind);
        var packed = new GemmPackedB(kind, k, n, nr);
        if (k == 0 || n == 0) return packed;
        fixed (float* pb = b)
        {
            var parts = new PackParts(packed, transB, pb, ldb, nr);
            WorkerPool.Shared.For(parts.Count, parts, packed.Floats);
        }
        return packed;
    }

    /// <summary>
    /// The packing split into (k block, run of <see cref="PartPanels"/> panels) parts over the pool: a
    /// copy, so the same bytes whichever thread packs a part (a recurrent layer packs U on every call,
    /// 0.1–0.15 ms on one thread at 256 units, which the other threads used to wait through).
    /// </summary>
    private sealed class PackParts(GemmPackedB packed, bool transB, float* b, int ldb, int nr) : IParallelBody
    {
        private const int PartPanels = 8;
        private readonly int _runs = (packed.PaddedN / nr + PartPanels - 1) / PartPanels;

        public int Count => (packed.K + GemmBlocking.Kc - 1) / GemmBlocking.Kc * _runs;

        public void Execute(int index)
        {
            int pc = index / _runs * GemmBlocking.Kc, j0 = index % _runs * PartPanels * nr;
            int kc = Math.Min(GemmBlocking.Kc, packed.K - pc), cols = Math.Min(PartPanels * nr, packed.N - j0);
            float* src = transB ? b + pc + (nint)j0 * ldb : b + (nint)pc * ldb + j0;
            GemmPacking.PackB(transB, src, ldb, kc, cols, nr, packed.Block(pc) + (nint)j0 * kc);
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has freed the data.</summary>
    public bool IsDisposed => _data is null;

    /// <summary>The packed k block that starts at depth <paramref name="pc"/> (a multiple of Kc).</summary>
    public float* Block(int pc)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        return _data + (long)pc * PaddedN;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~GemmPackedB() => Free();

    private void Free()
    {
        if (_data is null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
    }
}

/// <summary>The GEMM micro-kernels, one per instruction-set level.</summary>
internal enum GemmKernelKind
{
    /// <summary>No SIMD: <see cref="GemmMicroKernelScalar"/>.</summary>
    Scalar,

    /// <summary><see cref="GemmMicroKernel128"/>.</summary>
    Vector128,

    /// <summary><see cref="GemmMicroKernel256"/> (256-bit with FMA).</summary>
    Vector256,

    /// <summary><see cref="GemmMicroKernel512"/>.</summary>
    Vector512,
}

/// <summary>Which micro-kernel the packed path runs on this CPU, and its panel width.</summary>
internal static class GemmKernels
{
    /// <summary>The widest kernel the CPU runs (the one the packed path of Gemm.Multiply chooses).</summary>
    public static GemmKernelKind Current =>
        Vector512.IsHardwareAccelerated ? GemmKernelKind.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmKernelKind.Vector256
        : Vector128.IsHardwareAccelerated ? GemmKernelKind.Vector128
        : GemmKernelKind.Scalar;

    /// <summary>Columns of a B micro-panel of <paramref name="kind"/>.</summary>
    public static int Nr(GemmKernelKind kind) => kind switch
    {
        GemmKernelKind.Vector512 => GemmMicroKernel512.Nr,
        GemmKernelKind.Vector256 => GemmMicroKernel256.Nr,
        GemmKernelKind.Vector128 => GemmMicroKernel128.Nr,
        _ => GemmMicroKernelScalar.Nr,
    };
}
