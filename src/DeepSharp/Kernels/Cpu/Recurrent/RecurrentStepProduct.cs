using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The LSTM's per-step products are short and wide: at the bench's shape each of two threads runs
// 16 rows · (256 × 1024) forward (h·U, and x·W with depth 128) and 16 rows · (1024 × 256) backward
// (dz·Uᵀ, and dz·Wᵀ with 128 columns), 64 times per call. The GEMM driver's 8×32 tile keeps 16
// accumulators in flight; on a core with two full-width 512-bit FMA ports (Intel) 16 chains of four
// cycles' latency barely cover the ports, and every k step spends 8 broadcasts of A on 16 multiply-
// adds. Here a tile is 8 rows × 48 columns: 24 accumulators, three vectors of B and 8 broadcasts of
// A (read in place, as the driver's RunInPlaceA does) per 24 multiply-adds.
// Measured on Intel Xeon family 6 model 207 (Emerald Rapids class), one thread, 64 × (16 × 256 ·
// 256 × 1024) and 64 × (16 × 1024 · 1024 × 256), load ~40: 148–150 against 109–124 GFLOP/s per CPU
// second forward, 129–130 against 122 backward. On Zen 4 (512-bit ops on 256-bit units) the driver's
// tile stays: LstmSteps takes this path only where Preferred says so (Intel).
// B is packed once per sequence into panels of 48 columns, each k-major over the whole depth
// (row p of panel j at (j·K + p)·48), zero-padded past N.
// Determinism: the driver's summation exactly: k cut into blocks of GemmBlocking.Kc, each block
// summed from zero in k order with one fused multiply-add per product, then stored or added to C
// (a tile that is cut by the rows or the column range goes through a scratch tile, rows past the
// last through a zero-padded copy of A). Every element has the bits of Gemm.Multiply at the 512-bit
// level, whichever rows or columns share its call.

/// <summary>op(B) (k × n) packed once into k-major panels of <see cref="RecurrentStepProduct.Columns"/> columns, zero-padded past n.</summary>
internal sealed unsafe class RecurrentStepPanels : IDisposable
{
    private float* _data;

    private RecurrentStepPanels(int k, int n)
    {
        K = k;
        N = n;
        Panels = (n + RecurrentStepProduct.Columns - 1) / RecurrentStepProduct.Columns;
        Floats = (long)Panels * k * RecurrentStepProduct.Columns;
        _data = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, Floats) * sizeof(float), 64);
    }

    /// <summary>Rows of op(B): the reduction depth.</summary>
    public int K { get; }

    /// <summary>Columns of op(B).</summary>
    public int N { get; }

    /// <summary>Column panels (N rounded up to whole panels).</summary>
    public int Panels { get; }

    /// <summary>Floats held.</summary>
    public long Floats { get; }

    /// <summary>Panel <paramref name="j"/>, row <paramref name="p"/>.</summary>
    public float* At(int j, int p) => _data + ((nint)j * K + p) * RecurrentStepProduct.Columns;

    /// <summary>Packs op(B) (k×n; B stored n×k when <paramref name="transB"/>) with leading dimension <paramref name="ldb"/>.</summary>
    public static RecurrentStepPanels Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb)
    {
        if (k < 0 || n < 0) throw new ArgumentOutOfRangeException(nameof(k), $"Recurrent step panels: sizes must be non-negative: k={k}, n={n}.");
        Gemm.CheckOperand("B", transB ? n : k, transB ? k : n, ldb, b.Length, "ldb", 0, n, k);
        var packed = new RecurrentStepPanels(k, n);
        const int W = RecurrentStepProduct.Columns;
        fixed (float* pb = b)
            for (int j = 0; j < packed.Panels; j++)
            {
                int j0 = j * W, cols = Math.Min(W, n - j0);
                for (int p = 0; p < k; p++)
                {
                    float* dst = packed.At(j, p);
                    if (transB)
                        for (int jj = 0; jj < cols; jj++) dst[jj] = pb[(nint)(j0 + jj) * ldb + p];
                    else
                        new ReadOnlySpan<float>(pb + (nint)p * ldb + j0, cols).CopyTo(new Span<float>(dst, cols));
                    new Span<float>(dst + cols, W - cols).Clear();
                }
            }
        return packed;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~RecurrentStepPanels() => Free();

    private void Free()
    {
        if (_data is not null) NativeMemory.AlignedFree(_data);
        _data = null;
    }
}

/// <summary>
/// C[:, c0..c1) (+)= A·op(B) for the LSTM's per-step products with 8×48 register tiles (see the notes
/// above); the twin is <see cref="Reference.NaiveGemm"/>, and the bits are Gemm.Multiply's at the 512-bit level.
/// </summary>
internal static unsafe class RecurrentStepProduct
{
    /// <summary>Columns of a panel and of a tile (three 512-bit vectors).</summary>
    public const int Columns = 48;

    /// <summary>Rows of a tile.</summary>
    public const int Rows = 8;

    /// <summary>Whether this CPU can run the kernel (512-bit vectors, whose multiply-add is fused).</summary>
    public static bool Applies => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Whether LSTM sequences take this path: where it applies, on Intel only (two full-width FMA
    /// ports; measured there). Settable for the checks and probes, which run both paths on one machine.
    /// </summary>
    internal static bool Preferred { get; set; } = Applies && CpuIdentity.IsIntel;

    /// <summary>
    /// C (rows × [c0, c1)) (+)= A (rows × K, row r at a + r·lda) · op(B)[:, c0..c1); with K = 0, C is
    /// cleared (or left) as Gemm does.
    /// </summary>
    public static void Multiply(RecurrentStepPanels b, float* a, int lda, int rows, float* c, int ldc, int c0, int c1, bool accumulate)
    {
        if (!Applies) throw new PlatformNotSupportedException("RecurrentStepProduct needs 512-bit vectors.");
        if (rows < 0 || c0 < 0 || c1 < c0 || c1 > b.N || lda < b.K || ldc < c1)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Recurrent step product: rows={rows}, columns {c0}..{c1} of {b.N}, lda={lda}, ldc={ldc}, K={b.K}.");
        if (rows == 0 || c1 == c0) return;
        int k = b.K;
        if (k == 0)
        {
            if (!accumulate)
                for (int r = 0; r < rows; r++) new Span<float>(c + (nint)r * ldc + c0, c1 - c0).Clear();
            return;
        }
        float* tile = stackalloc float[Rows * Columns];
        float* edgeA = stackalloc float[Rows * GemmBlocking.Kc];
        for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
        {
            int kc = Math.Min(GemmBlocking.Kc, k - pc);
            bool add = accumulate || pc > 0;
            int wholeRows = rows / Rows * Rows, lastRows = rows - wholeRows;
            if (lastRows > 0)
            {
                // the last, partial row tile reads a zero-padded copy of its rows
                new Span<float>(edgeA, Rows * kc).Clear();
                for (int r = 0; r < lastRows; r++)
                    new ReadOnlySpan<float>(a + (nint)(wholeRows + r) * lda + pc, kc).CopyTo(new Span<float>(edgeA + r * kc, kc));
            }
            for (int j = c0 / Columns; j * Columns < c1; j++)
            {
                int j0 = j * Columns, lo = Math.Max(c0, j0), hi = Math.Min(c1, j0 + Columns);
                bool wholeColumns = lo == j0 && hi == j0 + Columns;
                float* panel = b.At(j, pc);
                for (int r0 = 0; r0 < rows; r0 += Rows)
                {
                    bool edgeRows = r0 == wholeRows;
                    float* ap = edgeRows ? edgeA : a + (nint)r0 * lda + pc;
                    nint step = edgeRows ? kc : lda;
                    if (wholeColumns && !edgeRows)
                    {
                        Tile(kc, ap, step, panel, c + (nint)r0 * ldc + j0, ldc, add);
                        continue;
                    }
                    Tile(kc, ap, step, panel, tile, Columns, false);
                    int rowsHere = Math.Min(Rows, rows - r0);
                    for (int r = 0; r < rowsHere; r++)
                    {
                        float* dst = c + (nint)(r0 + r) * ldc, src = tile + r * Columns - j0;
                        for (int col = lo; col < hi; col++) dst[col] = add ? dst[col] + src[col] : src[col];
                    }
                }
            }
        }
    }

    /// <summary>One 8×48 tile over depth kc: row r of A at a + r·lda (k along the row), a k-major panel of B.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate)
    {
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (nint p = 0; p < kc; p++, b += Columns)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var b2 = Vector512.Load(b + 32);
            var x = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            c02 = Vector512.FusedMultiplyAdd(x, b2, c02);
            x = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            c12 = Vector512.FusedMultiplyAdd(x, b2, c12);
            x = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            c22 = Vector512.FusedMultiplyAdd(x, b2, c22);
            x = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            c32 = Vector512.FusedMultiplyAdd(x, b2, c32);
            x = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            c42 = Vector512.FusedMultiplyAdd(x, b2, c42);
            x = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            c52 = Vector512.FusedMultiplyAdd(x, b2, c52);
            x = Vector512.Create(a6[p]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            c62 = Vector512.FusedMultiplyAdd(x, b2, c62);
            x = Vector512.Create(a7[p]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            c72 = Vector512.FusedMultiplyAdd(x, b2, c72);
        }
        Store(c, c00, c01, c02, accumulate);
        Store(c + ldc, c10, c11, c12, accumulate);
        Store(c + 2 * ldc, c20, c21, c22, accumulate);
        Store(c + 3 * ldc, c30, c31, c32, accumulate);
        Store(c + 4 * ldc, c40, c41, c42, accumulate);
        Store(c + 5 * ldc, c50, c51, c52, accumulate);
        Store(c + 6 * ldc, c60, c61, c62, accumulate);
        Store(c + 7 * ldc, c70, c71, c72, accumulate);
    }

    private static void Store(float* c, Vector512<float> x, Vector512<float> y, Vector512<float> z, bool accumulate)
    {
        if (accumulate)
        {
            x = Vector512.Load(c) + x;
            y = Vector512.Load(c + 16) + y;
            z = Vector512.Load(c + 32) + z;
        }
        x.Store(c);
        y.Store(c + 16);
        z.Store(c + 32);
    }
}
