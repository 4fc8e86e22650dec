using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The inner product every convolution pass reduces to: a small matrix multiply whose left
/// operand is read through two offset tables, so that it can be an im2col tile, a transposed
/// im2col tile or the input image itself (a "direct" convolution) without copying.
/// </summary>
/// <remarks>
/// Implementation notes. C[i, j] = init[i, j] + Σ_r A(i, r)·B[r, j] for i &lt; m, j &lt; n, where
/// A(i, r) = a[rowOff[i] + colOff[r]], B's row r starts at b + r·ldb and holds <c>np</c> readable floats
/// (np a multiple of <see cref="BlockWidth"/>, zero-padded past n). init is C itself when
/// accumulating, else the bias (np floats) or zero. Register block: 4 rows × 2 vectors, so each
/// step loads 2 B vectors and broadcasts 4 A values for 8 multiply-adds (13 live registers, fits
/// AVX2's 16). Vector&lt;float&gt; is 8 lanes with AVX2/AVX-512 and 4 with SSE; on Zen 4 256-bit
/// FMAs reach the same peak as 512-bit ones. Sums run in float with fused multiply-add where the
/// hardware has it, so results differ from the double-precision twin by rounding only.
/// </remarks>
internal static unsafe class ConvMicroKernel
{
    /// <summary>Columns per block: two vectors (two 512-bit ones where <see cref="ConvMicroKernel512"/> runs).</summary>
    public static int BlockWidth => Vector512.IsHardwareAccelerated ? ConvMicroKernel512.BlockWidth : 2 * Vector<float>.Count;

    /// <summary><paramref name="n"/> rounded up to a multiple of <see cref="BlockWidth"/>.</summary>
    public static int Padded(int n) => (n + BlockWidth - 1) / BlockWidth * BlockWidth;

    [SkipLocalsInit] // the partial-block buffer is written before it is read
    public static void Run(float* a, int* rowOff, int* colOff, int kred, float* b, int ldb, int np,
        float* c, int ldc, int m, int n, float* bias, bool accumulate, bool relu = false)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            ConvMicroKernel512.Run(a, rowOff, colOff, kred, b, ldb, np, c, ldc, m, n, bias, accumulate, relu);
            return;
        }
        int vw = Vector<float>.Count;
        float* tmp = stackalloc float[8 * vw];
        for (int j0 = 0; j0 < np && j0 < n; j0 += 2 * vw)
        {
            int valid = Math.Min(n - j0, 2 * vw);
            var init0 = bias == null ? Vector<float>.Zero : Vector.Load(bias + j0);
            var init1 = bias == null ? Vector<float>.Zero : Vector.Load(bias + j0 + vw);
            int i = 0;
            for (; i + 4 <= m; i += 4)
                Block4(a + rowOff[i], a + rowOff[i + 1], a + rowOff[i + 2], a + rowOff[i + 3], colOff, kred, b + j0, ldb, c + i * ldc + j0, ldc, valid, init0, init1, accumulate, relu, tmp);
            for (; i < m; i++)
                Block1(a + rowOff[i], colOff, kred, b + j0, ldb, c + i * ldc + j0, valid, init0, init1, accumulate, relu, tmp);
        }
    }

    private static void Block4(float* a, float* a1, float* a2, float* a3, int* off, int kred, float* b, int ldb,
        float* c, int ldc, int valid, Vector<float> init0, Vector<float> init1, bool accumulate, bool relu, float* tmp)
    {
        int vw = Vector<float>.Count;
        Vector<float> c00 = init0, c01 = init1, c10 = init0, c11 = init1;
        Vector<float> c20 = init0, c21 = init1, c30 = init0, c31 = init1;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + vw);
            int o = off[r];
            var x = new Vector<float>(a[o]);
            c00 = Vector.MultiplyAddEstimate(x, b0, c00);
            c01 = Vector.MultiplyAddEstimate(x, b1, c01);
            x = new Vector<float>(a1[o]);
            c10 = Vector.MultiplyAddEstimate(x, b0, c10);
            c11 = Vector.MultiplyAddEstimate(x, b1, c11);
            x = new Vector<float>(a2[o]);
            c20 = Vector.MultiplyAddEstimate(x, b0, c20);
            c21 = Vector.MultiplyAddEstimate(x, b1, c21);
            x = new Vector<float>(a3[o]);
            c30 = Vector.MultiplyAddEstimate(x, b0, c30);
            c31 = Vector.MultiplyAddEstimate(x, b1, c31);
        }
        if (valid == 2 * vw)
        {
            Store(c, c00, c01, accumulate, relu);
            Store(c + ldc, c10, c11, accumulate, relu);
            Store(c + 2 * ldc, c20, c21, accumulate, relu);
            Store(c + 3 * ldc, c30, c31, accumulate, relu);
            return;
        }
        c00.Store(tmp);
        c01.Store(tmp + vw);
        c10.Store(tmp + 2 * vw);
        c11.Store(tmp + 3 * vw);
        c20.Store(tmp + 4 * vw);
        c21.Store(tmp + 5 * vw);
        c30.Store(tmp + 6 * vw);
        c31.Store(tmp + 7 * vw);
        StorePartial(c, ldc, 4, tmp, valid, accumulate, relu);
    }

    private static void Block1(float* a, int* off, int kred, float* b, int ldb,
        float* c, int valid, Vector<float> init0, Vector<float> init1, bool accumulate, bool relu, float* tmp)
    {
        int vw = Vector<float>.Count;
        Vector<float> c0 = init0, c1 = init1;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var x = new Vector<float>(a[off[r]]);
            c0 = Vector.MultiplyAddEstimate(x, Vector.Load(b), c0);
            c1 = Vector.MultiplyAddEstimate(x, Vector.Load(b + vw), c1);
        }
        if (valid == 2 * vw)
        {
            Store(c, c0, c1, accumulate, relu);
            return;
        }
        c0.Store(tmp);
        c1.Store(tmp + vw);
        StorePartial(c, 0, 1, tmp, valid, accumulate, relu);
    }

    /// <summary>
    /// Stores (or adds) a full block row, through max(·, 0) if asked. Inlined and call-free: a call
    /// after a block's loop would make the JIT keep the accumulators on the stack for the whole
    /// loop (every vector register is caller-saved), so partial blocks go through a buffer and
    /// <see cref="StorePartial"/> once the accumulators are dead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector<float> v0, Vector<float> v1, bool accumulate, bool relu)
    {
        int vw = Vector<float>.Count;
        if (accumulate)
        {
            v0 += Vector.Load(c);
            v1 += Vector.Load(c + vw);
        }
        if (relu)
        {
            v0 = Vector.Max(v0, Vector<float>.Zero);
            v1 = Vector.Max(v1, Vector<float>.Zero);
        }
        v0.Store(c);
        v1.Store(c + vw);
    }

    /// <summary>Writes the first <paramref name="valid"/> columns of <paramref name="rows"/> block rows held in tmp (2 vectors a row).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(float* c, int ldc, int rows, float* tmp, int valid, bool accumulate, bool relu)
    {
        int width = 2 * Vector<float>.Count;
        for (int i = 0; i < rows; i++, c += ldc)
        {
            float* t = tmp + i * width;
            for (int j = 0; j < valid; j++)
            {
                float v = accumulate ? c[j] + t[j] : t[j];
                c[j] = relu ? Math.Max(v, 0f) : v;
            }
        }
    }
}
