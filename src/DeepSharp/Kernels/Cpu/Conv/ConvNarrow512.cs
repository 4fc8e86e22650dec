using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// <see cref="ConvMicroKernel512"/> for a column block of at most 16 columns (narrow layers: 8 or 16
/// output channels, and the last block of widths such as 48): one zmm vector per row, so every lane
/// of a multiply-add is a wanted column (or at least half of them, for 8 columns) where the
/// two-vector block wasted 50–75 % of them. Rows go 16 at a time (16 accumulators, one B vector and
/// a broadcast), then 8, 4 and one at a time.
/// </summary>
/// <remarks>
/// Each output element is the same sum in the same order as in the two-vector blocks (init, then one
/// fused multiply-add per reduction step in order), so the results are bit-identical whichever block
/// computes them. B rows must hold 16 readable floats from the block's first column (zero-padded
/// past n, as <see cref="ConvMicroKernel.Padded"/> guarantees).
/// The blocks of 8 or more accumulators are never inlined, like GemmMicroKernel512's entry points,
/// whose inlined copies kept accumulators on the stack inside the k loop. The JIT's code for the
/// bench's convolution rows and training steps (Zen 4, 2026-12-06) had no such spill here: the callers
/// are compiled once without profile-guided inlining (they stackalloc) or inlined only the small
/// blocks; NoInlining keeps it so whatever tiering decides.
/// </remarks>
internal static unsafe class ConvNarrow512
{
    /// <summary>Columns of the block: one 512-bit vector.</summary>
    public const int Width = 16;

    /// <summary>
    /// Columns [j0, j0 + valid) of <see cref="ConvMicroKernel.Run"/>'s product, for 1 ≤ <paramref name="valid"/> ≤ 16;
    /// <paramref name="b"/>, <paramref name="c"/> and <paramref name="bias"/> already point at column j0.
    /// <paramref name="tmp"/> holds 16 × 16 floats.
    /// </summary>
    public static void Run(float* a, int* rowOff, int* colOff, int kred, float* b, int ldb,
        float* c, int ldc, int m, int valid, float* bias, bool accumulate, bool relu, float* tmp)
    {
        var e = new Epilogue(valid, accumulate, relu, tmp);
        var init = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
        int i = 0;
        for (; i + 16 <= m; i += 16)
            Block16(a, rowOff + i, colOff, kred, b, ldb, c + (long)i * ldc, ldc, init, e);
        if (i + 8 <= m)
        {
            Block8(a, rowOff + i, colOff, kred, b, ldb, c + (long)i * ldc, ldc, init, e);
            i += 8;
        }
        if (i + 4 <= m)
        {
            Block4(a, rowOff + i, colOff, kred, b, ldb, c + (long)i * ldc, ldc, init, e);
            i += 4;
        }
        for (; i < m; i++)
            Block1(a + rowOff[i], colOff, kred, b, ldb, c + (long)i * ldc, init, e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see the class remarks: never inlined into a caller's loop nest
    private static void Block16(float* a, int* rows, int* off, int kred, float* b, int ldb,
        float* c, int ldc, Vector512<float> init, in Epilogue e)
    {
        float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
        float* a4 = a + rows[4], a5 = a + rows[5], a6 = a + rows[6], a7 = a + rows[7];
        float* a8 = a + rows[8], a9 = a + rows[9], a10 = a + rows[10], a11 = a + rows[11];
        float* a12 = a + rows[12], a13 = a + rows[13], a14 = a + rows[14], a15 = a + rows[15];
        Vector512<float> c0 = init, c1 = init, c2 = init, c3 = init, c4 = init, c5 = init, c6 = init, c7 = init;
        Vector512<float> c8 = init, c9 = init, c10 = init, c11 = init, c12 = init, c13 = init, c14 = init, c15 = init;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var w = Vector512.Load(b);
            int o = off[r];
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[o]), w, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[o]), w, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[o]), w, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[o]), w, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[o]), w, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[o]), w, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[o]), w, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[o]), w, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[o]), w, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a9[o]), w, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a10[o]), w, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a11[o]), w, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(a12[o]), w, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(a13[o]), w, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(a14[o]), w, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(a15[o]), w, c15);
        }
        if (e.Direct)
        {
            e.Store(c, c0);
            e.Store(c + ldc, c1);
            e.Store(c + 2 * ldc, c2);
            e.Store(c + 3 * ldc, c3);
            e.Store(c + 4 * ldc, c4);
            e.Store(c + 5 * ldc, c5);
            e.Store(c + 6 * ldc, c6);
            e.Store(c + 7 * ldc, c7);
            e.Store(c + 8 * ldc, c8);
            e.Store(c + 9 * ldc, c9);
            e.Store(c + 10 * ldc, c10);
            e.Store(c + 11 * ldc, c11);
            e.Store(c + 12 * ldc, c12);
            e.Store(c + 13 * ldc, c13);
            e.Store(c + 14 * ldc, c14);
            e.Store(c + 15 * ldc, c15);
        }
        else
        {
            c0.Store(e.Tmp);
            c1.Store(e.Tmp + 16);
            c2.Store(e.Tmp + 32);
            c3.Store(e.Tmp + 48);
            c4.Store(e.Tmp + 64);
            c5.Store(e.Tmp + 80);
            c6.Store(e.Tmp + 96);
            c7.Store(e.Tmp + 112);
            c8.Store(e.Tmp + 128);
            c9.Store(e.Tmp + 144);
            c10.Store(e.Tmp + 160);
            c11.Store(e.Tmp + 176);
            c12.Store(e.Tmp + 192);
            c13.Store(e.Tmp + 208);
            c14.Store(e.Tmp + 224);
            c15.Store(e.Tmp + 240);
            e.StorePartial(c, ldc, 16);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see the class remarks: never inlined into a caller's loop nest
    private static void Block8(float* a, int* rows, int* off, int kred, float* b, int ldb,
        float* c, int ldc, Vector512<float> init, in Epilogue e)
    {
        float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
        float* a4 = a + rows[4], a5 = a + rows[5], a6 = a + rows[6], a7 = a + rows[7];
        Vector512<float> c0 = init, c1 = init, c2 = init, c3 = init, c4 = init, c5 = init, c6 = init, c7 = init;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var w = Vector512.Load(b);
            int o = off[r];
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[o]), w, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[o]), w, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[o]), w, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[o]), w, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[o]), w, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[o]), w, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[o]), w, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[o]), w, c7);
        }
        if (e.Direct)
        {
            e.Store(c, c0);
            e.Store(c + ldc, c1);
            e.Store(c + 2 * ldc, c2);
            e.Store(c + 3 * ldc, c3);
            e.Store(c + 4 * ldc, c4);
            e.Store(c + 5 * ldc, c5);
            e.Store(c + 6 * ldc, c6);
            e.Store(c + 7 * ldc, c7);
        }
        else
        {
            c0.Store(e.Tmp);
            c1.Store(e.Tmp + 16);
            c2.Store(e.Tmp + 32);
            c3.Store(e.Tmp + 48);
            c4.Store(e.Tmp + 64);
            c5.Store(e.Tmp + 80);
            c6.Store(e.Tmp + 96);
            c7.Store(e.Tmp + 112);
            e.StorePartial(c, ldc, 8);
        }
    }

    private static void Block4(float* a, int* rows, int* off, int kred, float* b, int ldb,
        float* c, int ldc, Vector512<float> init, in Epilogue e)
    {
        float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
        Vector512<float> c0 = init, c1 = init, c2 = init, c3 = init;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var w = Vector512.Load(b);
            int o = off[r];
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[o]), w, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[o]), w, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[o]), w, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[o]), w, c3);
        }
        if (e.Direct)
        {
            e.Store(c, c0);
            e.Store(c + ldc, c1);
            e.Store(c + 2 * ldc, c2);
            e.Store(c + 3 * ldc, c3);
        }
        else
        {
            c0.Store(e.Tmp);
            c1.Store(e.Tmp + 16);
            c2.Store(e.Tmp + 32);
            c3.Store(e.Tmp + 48);
            e.StorePartial(c, ldc, 4);
        }
    }

    private static void Block1(float* a, int* off, int kred, float* b, int ldb,
        float* c, Vector512<float> init, in Epilogue e)
    {
        Vector512<float> c0 = init;
        for (int r = 0; r < kred; r++, b += ldb)
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[off[r]]), Vector512.Load(b), c0);
        if (e.Direct)
        {
            e.Store(c, c0);
        }
        else
        {
            c0.Store(e.Tmp);
            e.StorePartial(c, 0, 1);
        }
    }

    /// <summary>
    /// How a block's rows are written: stored or added, through max(·, 0) if asked. All 16 columns
    /// (<see cref="Direct"/> with 16 valid) or the first 8 (<see cref="Direct"/> with 8 valid, a
    /// 256-bit store: the common narrow width) go straight from registers through the inlined,
    /// call-free <see cref="Store"/>; any other count through <see cref="Tmp"/> and <see cref="StorePartial"/>.
    /// </summary>
    private readonly struct Epilogue(int valid, bool accumulate, bool relu, float* tmp)
    {
        private readonly int _valid = valid;
        private readonly bool _accumulate = accumulate, _relu = relu;

        /// <summary>Room for 16 rows of a block (16 × 16 floats).</summary>
        public readonly float* Tmp = tmp;

        /// <summary>Whether rows are written from registers (16 or 8 valid columns).</summary>
        public bool Direct => _valid == Width || _valid == Width / 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(float* c, Vector512<float> v)
        {
            if (_valid == Width)
            {
                if (_accumulate) v += Vector512.Load(c);
                if (_relu) v = Vector512.Max(v, Vector512<float>.Zero);
                v.Store(c);
                return;
            }
            var h = v.GetLower();
            if (_accumulate) h += Vector256.Load(c);
            if (_relu) h = Vector256.Max(h, Vector256<float>.Zero);
            h.Store(c);
        }

        /// <summary>Writes the first <c>valid</c> columns of <paramref name="rows"/> rows held in <see cref="Tmp"/>.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void StorePartial(float* c, int ldc, int rows)
        {
            for (int i = 0; i < rows; i++, c += ldc)
            {
                float* t = Tmp + i * Width;
                for (int j = 0; j < _valid; j++)
                {
                    float v = _accumulate ? c[j] + t[j] : t[j];
                    c[j] = _relu ? Math.Max(v, 0f) : v;
                }
            }
        }
    }
}
