using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The kernel transform of Winograd's F(4×4, 3×3) (see <see cref="WinogradF43Transforms"/> for G):
/// U = G·g·Gᵀ, 6×6 from each 3×3 filter, computed in double and rounded to float once, since G's
/// sixths and twenty-fourths are not exact in binary.
/// </summary>
/// <remarks>
/// Implementation notes. Each 3-point column goes through o0 = g0·¼, o1 = (g0 + g2 + g1)·(−⅙),
/// o2 = (g0 + g2 − g1)·(−⅙), o3 = (g0 + 2g1 + 4g2)·(1/24), o4 = (g0 − 2g1 + 4g2)·(1/24), o5 = g2 (the
/// constants rounded to double: a relative error near 2⁻⁵³, far below float's rounding), then each row.
/// It runs on every call (the weights change every step), so it goes eight output channels at a time on
/// 512-bit double vectors where the CPU has them — the same operations in the same order as the scalar
/// loop for the rest, so the same bits (measured: the scalar form with divisions cost a tenth of convnet's
/// 13×13×32 → 64 forward at batch 128).
/// </remarks>
internal static unsafe class WinogradF43Kernel
{
    private const double Sixth = -1.0 / 6, TwentyFourth = 1.0 / 24;

    /// <summary>
    /// U[ξ·cin·np + ci·np + co] = (G·g·Gᵀ)[ξ] for the (KH=3, KW=3, Cin, Cout) kernel <paramref name="w"/>;
    /// columns co in [Cout, np) are zero.
    /// </summary>
    public static void Transform(float* w, int cin, int cout, int np, float* u)
    {
        long plane = (long)cin * np;
        bool wide = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        for (int ci = 0; ci < cin; ci++)
        {
            int co = 0;
            if (wide)
            {
                for (; co + 8 <= cout; co += 8)
                    Filters<Doubles512, Vector512<double>>(w, ci, co, cin, cout, u + (long)ci * np + co, plane);
            }
            for (; co < cout; co++)
                Filters<Doubles1, double>(w, ci, co, cin, cout, u + (long)ci * np + co, plane);
            for (int xi = 0; xi < 36; xi++)
                new Span<float>(u + xi * plane + (long)ci * np + cout, np - cout).Clear();
        }
    }

    /// <summary>
    /// dw[(tap·cin + ci)·cout + co] += (Gᵀ·M·G)[tap] for the 6×6 sums M[ξ] = m[ξ·cin·np + ci·np + co] (the last
    /// transform of <see cref="WinogradF43KernelGradient"/>), in double and rounded to float once before the add.
    /// Each 6-point column goes through Gᵀ: o0 = m0·¼ + (m1 + m2)·(−⅙) + (m3 + m4)·(1/24),
    /// o1 = (m2 − m1)·⅙ + (m3 − m4)·(1/12), o2 = (m1 + m2)·(−⅙) + (m3 + m4)·⅙ + m5; then each row. Once per call
    /// (Cin·Cout filters), so scalar; input channels [<paramref name="ciStart"/>, <paramref name="ciEnd"/>) only.
    /// </summary>
    public static void Gradient(float* m, int cin, int cout, int np, float* dw, int ciStart, int ciEnd)
    {
        long plane = (long)cin * np, tap = (long)cin * cout;
        double* t = stackalloc double[18]; // Gᵀ·M, 3×6
        for (int ci = ciStart; ci < ciEnd; ci++)
            for (int co = 0; co < cout; co++)
            {
                float* src = m + (long)ci * np + co;
                for (int j = 0; j < 6; j++)
                {
                    GT(src[j * plane], src[(6 + j) * plane], src[(12 + j) * plane], src[(18 + j) * plane], src[(24 + j) * plane], src[(30 + j) * plane],
                        out t[j], out t[6 + j], out t[12 + j]);
                }
                float* dst = dw + (long)ci * cout + co;
                for (int i = 0; i < 3; i++)
                {
                    double* r = t + 6 * i;
                    GT(r[0], r[1], r[2], r[3], r[4], r[5], out double o0, out double o1, out double o2);
                    dst[3 * i * tap] += (float)o0;
                    dst[(3 * i + 1) * tap] += (float)o1;
                    dst[(3 * i + 2) * tap] += (float)o2;
                }
            }
    }

    /// <summary>Gᵀ·(m0 … m5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GT(double m0, double m1, double m2, double m3, double m4, double m5, out double o0, out double o1, out double o2)
    {
        double even = m1 + m2, odd = m2 - m1, even4 = m3 + m4, odd4 = m3 - m4;
        o0 = m0 * 0.25 + even * Sixth + even4 * TwentyFourth;
        o1 = odd * -Sixth + odd4 * (2 * TwentyFourth);
        o2 = even * Sixth + even4 * -Sixth + m5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Filters<TL, TV>(float* w, int ci, int co, int cin, int cout, float* dst, long plane)
        where TL : struct, IDoubleLanes<TV>
    {
        // t = G·g (6 rows × 3 columns), a column (kw) at a time; then each row of t times Gᵀ.
        TV t00, t01, t02, t10, t11, t12, t20, t21, t22, t30, t31, t32, t40, t41, t42, t50, t51, t52;
        long tapStride = (long)cin * cout;
        float* g = w + (long)ci * cout + co;
        G<TL, TV>(TL.Load(g), TL.Load(g + 3 * tapStride), TL.Load(g + 6 * tapStride), out t00, out t10, out t20, out t30, out t40, out t50);
        G<TL, TV>(TL.Load(g + tapStride), TL.Load(g + 4 * tapStride), TL.Load(g + 7 * tapStride), out t01, out t11, out t21, out t31, out t41, out t51);
        G<TL, TV>(TL.Load(g + 2 * tapStride), TL.Load(g + 5 * tapStride), TL.Load(g + 8 * tapStride), out t02, out t12, out t22, out t32, out t42, out t52);
        Row<TL, TV>(t00, t01, t02, dst, plane);
        Row<TL, TV>(t10, t11, t12, dst + 6 * plane, plane);
        Row<TL, TV>(t20, t21, t22, dst + 12 * plane, plane);
        Row<TL, TV>(t30, t31, t32, dst + 18 * plane, plane);
        Row<TL, TV>(t40, t41, t42, dst + 24 * plane, plane);
        Row<TL, TV>(t50, t51, t52, dst + 30 * plane, plane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TL, TV>(TV a, TV b, TV c, float* dst, long plane)
        where TL : struct, IDoubleLanes<TV>
    {
        G<TL, TV>(a, b, c, out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
        TL.Store(o0, dst);
        TL.Store(o1, dst + plane);
        TL.Store(o2, dst + 2 * plane);
        TL.Store(o3, dst + 3 * plane);
        TL.Store(o4, dst + 4 * plane);
        TL.Store(o5, dst + 5 * plane);
    }

    /// <summary>G·(g0, g1, g2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G<TL, TV>(TV g0, TV g1, TV g2, out TV o0, out TV o1, out TV o2, out TV o3, out TV o4, out TV o5)
        where TL : struct, IDoubleLanes<TV>
    {
        TV even = TL.Add(g0, g2), g1x2 = TL.Mul(g1, 2), g2x4 = TL.Mul(g2, 4);
        o0 = TL.Mul(g0, 0.25);
        o1 = TL.Mul(TL.Add(even, g1), Sixth);
        o2 = TL.Mul(TL.Sub(even, g1), Sixth);
        o3 = TL.Mul(TL.Add(TL.Add(g0, g1x2), g2x4), TwentyFourth);
        o4 = TL.Mul(TL.Add(TL.Sub(g0, g1x2), g2x4), TwentyFourth);
        o5 = g2;
    }

    /// <summary>Double lanes that load and store floats (widening and rounding once).</summary>
    private interface IDoubleLanes<TV>
    {
        static abstract TV Load(float* p);
        static abstract void Store(TV v, float* p);
        static abstract TV Add(TV a, TV b);
        static abstract TV Sub(TV a, TV b);
        static abstract TV Mul(TV a, double s);
    }

    private readonly struct Doubles512 : IDoubleLanes<Vector512<double>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(float* p) => Avx512F.ConvertToVector512Double(Vector256.Load(p));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> v, float* p) => Avx512F.ConvertToVector256Single(v).Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Sub(Vector512<double> a, Vector512<double> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Mul(Vector512<double> a, double s) => a * s;
    }

    private readonly struct Doubles1 : IDoubleLanes<double>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(float* p) => *p;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double v, float* p) => *p = (float)v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Add(double a, double b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sub(double a, double b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Mul(double a, double s) => a * s;
    }
}
