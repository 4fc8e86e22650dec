using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// <see cref="ConvMicroKernel512"/> for a short reduction (K = KH·KW·Cin ≤ 9, as the seed's
/// 3×3 convolution of one input channel): the K × 32 block of B is held in 18 zmm registers for
/// the whole pass over the rows, so each output row (pixel) costs K broadcasts and 2·K
/// multiply-adds and no B loads. Four rows at a time (8 accumulators, 27 registers in all).
/// </summary>
/// <remarks>
/// Taps past K are padded: their B vectors are zero and they read A at the first tap's offset
/// (a valid element), so they add exact zeros. The sums are the same as the general kernel's
/// (FMA, in tap order, the padded taps adding +0).
/// </remarks>
internal static unsafe class ConvShortReduction512
{
    /// <summary>The longest reduction this kernel takes.</summary>
    public const int MaxReduction = 9;

    /// <summary>
    /// As <see cref="ConvMicroKernel.Run"/>, for 1 ≤ <paramref name="kred"/> ≤ 9 and <paramref name="n"/> a
    /// multiple of 32 (every block full: the loops then call nothing, so the JIT can keep B in registers).
    /// </summary>
    public static void Run(float* a, int* rowOff, int* colOff, int kred, float* b, int ldb, int np,
        float* c, int ldc, int m, int n, float* bias, bool accumulate, bool relu)
    {
        int* off = stackalloc int[9];
        for (int r = 0; r < 9; r++) off[r] = colOff[r < kred ? r : 0];
        int o0 = off[0];
        int o1 = off[1];
        int o2 = off[2];
        int o3 = off[3];
        int o4 = off[4];
        int o5 = off[5];
        int o6 = off[6];
        int o7 = off[7];
        int o8 = off[8];
        const int Width = ConvMicroKernel512.BlockWidth;
        for (int j0 = 0; j0 < np && j0 < n; j0 += Width)
        {
            var e = new ConvMicroKernel512.Epilogue(Width, accumulate, relu, null);
            var init0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + j0);
            var init1 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + j0 + 16);
            Vector512<float> w00 = 0 < kred ? Vector512.Load(b + 0 * ldb + j0) : default, w01 = 0 < kred ? Vector512.Load(b + 0 * ldb + j0 + 16) : default;
            Vector512<float> w10 = 1 < kred ? Vector512.Load(b + 1 * ldb + j0) : default, w11 = 1 < kred ? Vector512.Load(b + 1 * ldb + j0 + 16) : default;
            Vector512<float> w20 = 2 < kred ? Vector512.Load(b + 2 * ldb + j0) : default, w21 = 2 < kred ? Vector512.Load(b + 2 * ldb + j0 + 16) : default;
            Vector512<float> w30 = 3 < kred ? Vector512.Load(b + 3 * ldb + j0) : default, w31 = 3 < kred ? Vector512.Load(b + 3 * ldb + j0 + 16) : default;
            Vector512<float> w40 = 4 < kred ? Vector512.Load(b + 4 * ldb + j0) : default, w41 = 4 < kred ? Vector512.Load(b + 4 * ldb + j0 + 16) : default;
            Vector512<float> w50 = 5 < kred ? Vector512.Load(b + 5 * ldb + j0) : default, w51 = 5 < kred ? Vector512.Load(b + 5 * ldb + j0 + 16) : default;
            Vector512<float> w60 = 6 < kred ? Vector512.Load(b + 6 * ldb + j0) : default, w61 = 6 < kred ? Vector512.Load(b + 6 * ldb + j0 + 16) : default;
            Vector512<float> w70 = 7 < kred ? Vector512.Load(b + 7 * ldb + j0) : default, w71 = 7 < kred ? Vector512.Load(b + 7 * ldb + j0 + 16) : default;
            Vector512<float> w80 = 8 < kred ? Vector512.Load(b + 8 * ldb + j0) : default, w81 = 8 < kred ? Vector512.Load(b + 8 * ldb + j0 + 16) : default;
            Vector512<float> x;
            int i = 0;
            for (; i + 4 <= m; i += 4, c += 4 * ldc)
            {
                float* p0 = a + rowOff[i + 0], p1 = a + rowOff[i + 1], p2 = a + rowOff[i + 2], p3 = a + rowOff[i + 3];
                Vector512<float> c00 = init0, c01 = init1;
                Vector512<float> c10 = init0, c11 = init1;
                Vector512<float> c20 = init0, c21 = init1;
                Vector512<float> c30 = init0, c31 = init1;
                x = Vector512.Create(p0[o0]);
                c00 = Vector512.FusedMultiplyAdd(x, w00, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w01, c01);
                x = Vector512.Create(p1[o0]);
                c10 = Vector512.FusedMultiplyAdd(x, w00, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w01, c11);
                x = Vector512.Create(p2[o0]);
                c20 = Vector512.FusedMultiplyAdd(x, w00, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w01, c21);
                x = Vector512.Create(p3[o0]);
                c30 = Vector512.FusedMultiplyAdd(x, w00, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w01, c31);
                x = Vector512.Create(p0[o1]);
                c00 = Vector512.FusedMultiplyAdd(x, w10, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w11, c01);
                x = Vector512.Create(p1[o1]);
                c10 = Vector512.FusedMultiplyAdd(x, w10, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w11, c11);
                x = Vector512.Create(p2[o1]);
                c20 = Vector512.FusedMultiplyAdd(x, w10, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w11, c21);
                x = Vector512.Create(p3[o1]);
                c30 = Vector512.FusedMultiplyAdd(x, w10, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w11, c31);
                x = Vector512.Create(p0[o2]);
                c00 = Vector512.FusedMultiplyAdd(x, w20, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w21, c01);
                x = Vector512.Create(p1[o2]);
                c10 = Vector512.FusedMultiplyAdd(x, w20, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w21, c11);
                x = Vector512.Create(p2[o2]);
                c20 = Vector512.FusedMultiplyAdd(x, w20, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w21, c21);
                x = Vector512.Create(p3[o2]);
                c30 = Vector512.FusedMultiplyAdd(x, w20, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w21, c31);
                x = Vector512.Create(p0[o3]);
                c00 = Vector512.FusedMultiplyAdd(x, w30, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w31, c01);
                x = Vector512.Create(p1[o3]);
                c10 = Vector512.FusedMultiplyAdd(x, w30, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w31, c11);
                x = Vector512.Create(p2[o3]);
                c20 = Vector512.FusedMultiplyAdd(x, w30, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w31, c21);
                x = Vector512.Create(p3[o3]);
                c30 = Vector512.FusedMultiplyAdd(x, w30, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w31, c31);
                x = Vector512.Create(p0[o4]);
                c00 = Vector512.FusedMultiplyAdd(x, w40, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w41, c01);
                x = Vector512.Create(p1[o4]);
                c10 = Vector512.FusedMultiplyAdd(x, w40, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w41, c11);
                x = Vector512.Create(p2[o4]);
                c20 = Vector512.FusedMultiplyAdd(x, w40, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w41, c21);
                x = Vector512.Create(p3[o4]);
                c30 = Vector512.FusedMultiplyAdd(x, w40, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w41, c31);
                x = Vector512.Create(p0[o5]);
                c00 = Vector512.FusedMultiplyAdd(x, w50, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w51, c01);
                x = Vector512.Create(p1[o5]);
                c10 = Vector512.FusedMultiplyAdd(x, w50, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w51, c11);
                x = Vector512.Create(p2[o5]);
                c20 = Vector512.FusedMultiplyAdd(x, w50, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w51, c21);
                x = Vector512.Create(p3[o5]);
                c30 = Vector512.FusedMultiplyAdd(x, w50, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w51, c31);
                x = Vector512.Create(p0[o6]);
                c00 = Vector512.FusedMultiplyAdd(x, w60, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w61, c01);
                x = Vector512.Create(p1[o6]);
                c10 = Vector512.FusedMultiplyAdd(x, w60, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w61, c11);
                x = Vector512.Create(p2[o6]);
                c20 = Vector512.FusedMultiplyAdd(x, w60, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w61, c21);
                x = Vector512.Create(p3[o6]);
                c30 = Vector512.FusedMultiplyAdd(x, w60, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w61, c31);
                x = Vector512.Create(p0[o7]);
                c00 = Vector512.FusedMultiplyAdd(x, w70, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w71, c01);
                x = Vector512.Create(p1[o7]);
                c10 = Vector512.FusedMultiplyAdd(x, w70, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w71, c11);
                x = Vector512.Create(p2[o7]);
                c20 = Vector512.FusedMultiplyAdd(x, w70, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w71, c21);
                x = Vector512.Create(p3[o7]);
                c30 = Vector512.FusedMultiplyAdd(x, w70, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w71, c31);
                x = Vector512.Create(p0[o8]);
                c00 = Vector512.FusedMultiplyAdd(x, w80, c00);
                c01 = Vector512.FusedMultiplyAdd(x, w81, c01);
                x = Vector512.Create(p1[o8]);
                c10 = Vector512.FusedMultiplyAdd(x, w80, c10);
                c11 = Vector512.FusedMultiplyAdd(x, w81, c11);
                x = Vector512.Create(p2[o8]);
                c20 = Vector512.FusedMultiplyAdd(x, w80, c20);
                c21 = Vector512.FusedMultiplyAdd(x, w81, c21);
                x = Vector512.Create(p3[o8]);
                c30 = Vector512.FusedMultiplyAdd(x, w80, c30);
                c31 = Vector512.FusedMultiplyAdd(x, w81, c31);
                e.Store(c, c00, c01);
                e.Store(c + ldc, c10, c11);
                e.Store(c + 2 * ldc, c20, c21);
                e.Store(c + 3 * ldc, c30, c31);
            }
            for (; i < m; i++, c += ldc)
            {
                float* p = a + rowOff[i];
                Vector512<float> d0 = init0, d1 = init1;
                x = Vector512.Create(p[o0]);
                d0 = Vector512.FusedMultiplyAdd(x, w00, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w01, d1);
                x = Vector512.Create(p[o1]);
                d0 = Vector512.FusedMultiplyAdd(x, w10, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w11, d1);
                x = Vector512.Create(p[o2]);
                d0 = Vector512.FusedMultiplyAdd(x, w20, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w21, d1);
                x = Vector512.Create(p[o3]);
                d0 = Vector512.FusedMultiplyAdd(x, w30, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w31, d1);
                x = Vector512.Create(p[o4]);
                d0 = Vector512.FusedMultiplyAdd(x, w40, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w41, d1);
                x = Vector512.Create(p[o5]);
                d0 = Vector512.FusedMultiplyAdd(x, w50, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w51, d1);
                x = Vector512.Create(p[o6]);
                d0 = Vector512.FusedMultiplyAdd(x, w60, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w61, d1);
                x = Vector512.Create(p[o7]);
                d0 = Vector512.FusedMultiplyAdd(x, w70, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w71, d1);
                x = Vector512.Create(p[o8]);
                d0 = Vector512.FusedMultiplyAdd(x, w80, d0);
                d1 = Vector512.FusedMultiplyAdd(x, w81, d1);
                e.Store(c, d0, d1);
            }
            c -= (long)m * ldc;
            c += Width;
        }
    }
}
