using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The AVX-512 form of <see cref="ConvMicroKernel"/>: the same contract, with blocks of 32 columns
/// (two zmm vectors) and up to 8 rows, so the 16 accumulators, 2 B vectors and a broadcast use 19
/// of the 32 zmm registers and each step does 16 multiply-adds for 2 B loads and 8 broadcasts.
/// </summary>
/// <remarks>
/// Taken by <see cref="ConvMicroKernel.Run"/> when <see cref="Vector512.IsHardwareAccelerated"/>
/// (on Zen 5 the 512-bit FMAs run at full width: twice the 256-bit peak). Rows left over after the
/// 8-row blocks go through a 4-row block and then one at a time. A block of at most 16 columns
/// (the whole of a narrow layer, or the last block of one such as 48 wide) goes to
/// <see cref="ConvNarrow512"/>, one vector a row, with the same sums.
/// The blocks of 8 or more accumulators are never inlined, like GemmMicroKernel512's entry points,
/// whose inlined copies kept accumulators on the stack inside the k loop. The JIT's code for the
/// bench's convolution rows and training steps (Zen 4, 2026-12-06) had no such spill here: the callers
/// are compiled once without profile-guided inlining (they stackalloc) or inlined only the small
/// blocks; NoInlining keeps it so whatever tiering decides.
/// </remarks>
internal static unsafe class ConvMicroKernel512
{
    /// <summary>Columns per block: two 512-bit vectors.</summary>
    public const int BlockWidth = 32;

    [SkipLocalsInit] // the partial-block buffer is written before it is read
    public static void Run(float* a, int* rowOff, int* colOff, int kred, float* b, int ldb, int np,
        float* c, int ldc, int m, int n, float* bias, bool accumulate, bool relu)
    {
        float* tmp = stackalloc float[9 * BlockWidth];
        if (kred >= 1 && kred <= ConvShortReduction512.MaxReduction && m >= 4 && n % BlockWidth == 0)
        {
            ConvShortReduction512.Run(a, rowOff, colOff, kred, b, ldb, np, c, ldc, m, n, bias, accumulate, relu);
            return;
        }
        for (int j0 = 0; j0 < np && j0 < n; j0 += BlockWidth)
        {
            if (n - j0 <= ConvNarrow512.Width)
            {
                ConvNarrow512.Run(a, rowOff, colOff, kred, b + j0, ldb, c + j0, ldc, m, n - j0, bias == null ? null : bias + j0, accumulate, relu, tmp);
                continue;
            }
            var e = new Epilogue(Math.Min(n - j0, BlockWidth), accumulate, relu, tmp);
            var init0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + j0);
            var init1 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + j0 + 16);
            int i = 0;
            if (m == 9)
            {
                Block9(a, rowOff, colOff, kred, b + j0, ldb, c + j0, ldc, init0, init1, e);
                continue;
            }
            for (; i + 8 <= m; i += 8)
                Block8(a, rowOff + i, colOff, kred, b + j0, ldb, c + (long)i * ldc + j0, ldc, init0, init1, e);
            if (i + 4 <= m)
            {
                Block4(a, rowOff + i, colOff, kred, b + j0, ldb, c + (long)i * ldc + j0, ldc, init0, init1, e);
                i += 4;
            }
            for (; i < m; i++)
                Block1(a + rowOff[i], colOff, kred, b + j0, ldb, c + (long)i * ldc + j0, init0, init1, e);
        }
    }

    /// <summary>Nine rows at once (18 accumulators): a 3×3 kernel's taps over one input channel, the seed's kernel gradient.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // see the class remarks: never inlined into a caller's loop nest
    private static void Block9(float* a, int* rows, int* off, int kred, float* b, int ldb,
        float* c, int ldc, Vector512<float> init0, Vector512<float> init1, in Epilogue e)
    {
        float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
        float* a4 = a + rows[4], a5 = a + rows[5], a6 = a + rows[6], a7 = a + rows[7], a8 = a + rows[8];
        Vector512<float> c00 = init0, c01 = init1;
        Vector512<float> c10 = init0, c11 = init1;
        Vector512<float> c20 = init0, c21 = init1;
        Vector512<float> c30 = init0, c31 = init1;
        Vector512<float> c40 = init0, c41 = init1;
        Vector512<float> c50 = init0, c51 = init1;
        Vector512<float> c60 = init0, c61 = init1;
        Vector512<float> c70 = init0, c71 = init1;
        Vector512<float> c80 = init0, c81 = init1;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            int o = off[r];
            var x = Vector512.Create(a0[o]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[o]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[o]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[o]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[o]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[o]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[o]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[o]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a8[o]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
        }
        if (e.Full)
        {
            e.Store(c, c00, c01);
            e.Store(c + ldc, c10, c11);
            e.Store(c + 2 * ldc, c20, c21);
            e.Store(c + 3 * ldc, c30, c31);
            e.Store(c + 4 * ldc, c40, c41);
            e.Store(c + 5 * ldc, c50, c51);
            e.Store(c + 6 * ldc, c60, c61);
            e.Store(c + 7 * ldc, c70, c71);
            e.Store(c + 8 * ldc, c80, c81);
        }
        else
        {
            c00.Store(e.Tmp + 0);
            c01.Store(e.Tmp + 16);
            c10.Store(e.Tmp + 32);
            c11.Store(e.Tmp + 48);
            c20.Store(e.Tmp + 64);
            c21.Store(e.Tmp + 80);
            c30.Store(e.Tmp + 96);
            c31.Store(e.Tmp + 112);
            c40.Store(e.Tmp + 128);
            c41.Store(e.Tmp + 144);
            c50.Store(e.Tmp + 160);
            c51.Store(e.Tmp + 176);
            c60.Store(e.Tmp + 192);
            c61.Store(e.Tmp + 208);
            c70.Store(e.Tmp + 224);
            c71.Store(e.Tmp + 240);
            c80.Store(e.Tmp + 256);
            c81.Store(e.Tmp + 272);
            e.StorePartial(c, ldc, 9);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see the class remarks: never inlined into a caller's loop nest
    private static void Block8(float* a, int* rows, int* off, int kred, float* b, int ldb,
        float* c, int ldc, Vector512<float> init0, Vector512<float> init1, in Epilogue e)
    {
        float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
        float* a4 = a + rows[4], a5 = a + rows[5], a6 = a + rows[6], a7 = a + rows[7];
        Vector512<float> c00 = init0, c01 = init1, c10 = init0, c11 = init1;
        Vector512<float> c20 = init0, c21 = init1, c30 = init0, c31 = init1;
        Vector512<float> c40 = init0, c41 = init1, c50 = init0, c51 = init1;
        Vector512<float> c60 = init0, c61 = init1, c70 = init0, c71 = init1;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            int o = off[r];
            var x = Vector512.Create(a0[o]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[o]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[o]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[o]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[o]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[o]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[o]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[o]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        if (e.Full)
        {
            e.Store(c, c00, c01);
            e.Store(c + ldc, c10, c11);
            e.Store(c + 2 * ldc, c20, c21);
            e.Store(c + 3 * ldc, c30, c31);
            e.Store(c + 4 * ldc, c40, c41);
            e.Store(c + 5 * ldc, c50, c51);
            e.Store(c + 6 * ldc, c60, c61);
            e.Store(c + 7 * ldc, c70, c71);
        }
        else
        {
            c00.Store(e.Tmp + 0);
            c01.Store(e.Tmp + 16);
            c10.Store(e.Tmp + 32);
            c11.Store(e.Tmp + 48);
            c20.Store(e.Tmp + 64);
            c21.Store(e.Tmp + 80);
            c30.Store(e.Tmp + 96);
            c31.Store(e.Tmp + 112);
            c40.Store(e.Tmp + 128);
            c41.Store(e.Tmp + 144);
            c50.Store(e.Tmp + 160);
            c51.Store(e.Tmp + 176);
            c60.Store(e.Tmp + 192);
            c61.Store(e.Tmp + 208);
            c70.Store(e.Tmp + 224);
            c71.Store(e.Tmp + 240);
            e.StorePartial(c, ldc, 8);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // see the class remarks: never inlined into a caller's loop nest
    private static void Block4(float* a, int* rows, int* off, int kred, float* b, int ldb,
        float* c, int ldc, Vector512<float> init0, Vector512<float> init1, in Epilogue e)
    {
        float* a0 = a + rows[0], a1 = a + rows[1], a2 = a + rows[2], a3 = a + rows[3];
        Vector512<float> c00 = init0, c01 = init1, c10 = init0, c11 = init1;
        Vector512<float> c20 = init0, c21 = init1, c30 = init0, c31 = init1;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            int o = off[r];
            var x = Vector512.Create(a0[o]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[o]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[o]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[o]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }
        if (e.Full)
        {
            e.Store(c, c00, c01);
            e.Store(c + ldc, c10, c11);
            e.Store(c + 2 * ldc, c20, c21);
            e.Store(c + 3 * ldc, c30, c31);
        }
        else
        {
            c00.Store(e.Tmp + 0);
            c01.Store(e.Tmp + 16);
            c10.Store(e.Tmp + 32);
            c11.Store(e.Tmp + 48);
            c20.Store(e.Tmp + 64);
            c21.Store(e.Tmp + 80);
            c30.Store(e.Tmp + 96);
            c31.Store(e.Tmp + 112);
            e.StorePartial(c, ldc, 4);
        }
    }

    private static void Block1(float* a, int* off, int kred, float* b, int ldb,
        float* c, Vector512<float> init0, Vector512<float> init1, in Epilogue e)
    {
        Vector512<float> c0 = init0, c1 = init1;
        for (int r = 0; r < kred; r++, b += ldb)
        {
            var x = Vector512.Create(a[off[r]]);
            c0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b + 16), c1);
        }
        if (e.Full)
        {
            e.Store(c, c0, c1);
        }
        else
        {
            c0.Store(e.Tmp);
            c1.Store(e.Tmp + 16);
            e.StorePartial(c, 0, 1);
        }
    }

    /// <summary>
    /// How a block's rows are written: stored or added, through max(·, 0) if asked. A full block
    /// (<see cref="Full"/>) is written straight from registers by <see cref="Store"/>, which is
    /// inlined and calls nothing: a call inside a block would make the JIT keep the accumulators
    /// on the stack for the whole loop (every vector register is caller-saved). A partial block
    /// is first put in <see cref="Tmp"/> and written by <see cref="StorePartial"/>.
    /// </summary>
    internal readonly struct Epilogue(int valid, bool accumulate, bool relu, float* tmp)
    {
        private readonly int _valid = valid;
        private readonly bool _accumulate = accumulate, _relu = relu;

        /// <summary>Room for 9 rows of a block (9 × 32 floats).</summary>
        public readonly float* Tmp = tmp;

        /// <summary>Whether all 32 columns of the block are to be written.</summary>
        public bool Full => _valid == BlockWidth;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(float* c, Vector512<float> v0, Vector512<float> v1)
        {
            if (_accumulate)
            {
                v0 += Vector512.Load(c);
                v1 += Vector512.Load(c + 16);
            }
            if (_relu)
            {
                v0 = Vector512.Max(v0, Vector512<float>.Zero);
                v1 = Vector512.Max(v1, Vector512<float>.Zero);
            }
            v0.Store(c);
            v1.Store(c + 16);
        }

        /// <summary>Writes the first <c>valid</c> columns of <paramref name="rows"/> rows held in <see cref="Tmp"/>.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void StorePartial(float* c, int ldc, int rows)
        {
            for (int i = 0; i < rows; i++, c += ldc)
            {
                float* t = Tmp + i * BlockWidth;
                for (int j = 0; j < _valid; j++)
                {
                    float v = _accumulate ? c[j] + t[j] : t[j];
                    c[j] = _relu ? Math.Max(v, 0f) : v;
                }
            }
        }
    }
}
