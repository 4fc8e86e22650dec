using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The three transforms of Winograd's F(2×2, 3×3) (Lavin and Gray, 2016), over NHWC channel runs:
/// input tiles V = Bᵀ·d·B (4×4 from a 4×4 input window), kernels U = G·g·Gᵀ (4×4 from 3×3) and
/// outputs Y = Aᵀ·M·A (2×2 from the 4×4 products M = Σ_ci U ⊙ V), with
/// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1].
/// Element ξ = 4·i + j of a 4×4 tile is stored ξ-major (see <see cref="WinogradF23"/>).
/// </summary>
/// <remarks>
/// The input and output transforms run over the channels with the widest vectors the CPU has
/// (512, then 256, then 128 bits) and single floats for the rest; each width gives the same
/// bits, since every lane does the same float additions in the same order.
/// </remarks>
internal static unsafe class WinogradTransforms
{
    /// <summary>
    /// V[ξ·xiStride + c] = (Bᵀ·d·B)[ξ] for c in [0, channels), where d[i, j] is the channel run at
    /// <paramref name="window"/>[4·i + j] (a zero run for positions outside the input).
    /// </summary>
    public static void Input(float** window, int channels, float* v, long xiStride)
    {
        int c = 0;
        if (WinogradLanes512.IsSupported) c = Input<WinogradLanes512, Vector512<float>>(window, c, channels, v, xiStride);
        if (WinogradLanes256.IsSupported) c = Input<WinogradLanes256, Vector256<float>>(window, c, channels, v, xiStride);
        if (WinogradLanes128.IsSupported) c = Input<WinogradLanes128, Vector128<float>>(window, c, channels, v, xiStride);
        Input<WinogradLanes1, float>(window, c, channels, v, xiStride);
    }

    /// <summary>Channels [c, end − (end − c) mod width) at one width; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Input<TL, TV>(float** p, int c, int end, float* v, long s)
        where TL : struct, IWinogradLanes<TV>
    {
        for (; c + TL.Count <= end; c += TL.Count)
        {
            // t = Bᵀ·d, a column j at a time, then V row i = t row i · B.
            TV t00, t01, t02, t03, t10, t11, t12, t13, t20, t21, t22, t23, t30, t31, t32, t33;
            {
                TV d0 = TL.Load(p[0] + c), d1 = TL.Load(p[4] + c), d2 = TL.Load(p[8] + c), d3 = TL.Load(p[12] + c);
                t00 = TL.Sub(d0, d2); t10 = TL.Add(d1, d2); t20 = TL.Sub(d2, d1); t30 = TL.Sub(d1, d3);
            }
            {
                TV d0 = TL.Load(p[1] + c), d1 = TL.Load(p[5] + c), d2 = TL.Load(p[9] + c), d3 = TL.Load(p[13] + c);
                t01 = TL.Sub(d0, d2); t11 = TL.Add(d1, d2); t21 = TL.Sub(d2, d1); t31 = TL.Sub(d1, d3);
            }
            {
                TV d0 = TL.Load(p[2] + c), d1 = TL.Load(p[6] + c), d2 = TL.Load(p[10] + c), d3 = TL.Load(p[14] + c);
                t02 = TL.Sub(d0, d2); t12 = TL.Add(d1, d2); t22 = TL.Sub(d2, d1); t32 = TL.Sub(d1, d3);
            }
            {
                TV d0 = TL.Load(p[3] + c), d1 = TL.Load(p[7] + c), d2 = TL.Load(p[11] + c), d3 = TL.Load(p[15] + c);
                t03 = TL.Sub(d0, d2); t13 = TL.Add(d1, d2); t23 = TL.Sub(d2, d1); t33 = TL.Sub(d1, d3);
            }
            float* o = v + c;
            RowTimesB<TL, TV>(t00, t01, t02, t03, o, o + s, o + 2 * s, o + 3 * s);
            RowTimesB<TL, TV>(t10, t11, t12, t13, o + 4 * s, o + 5 * s, o + 6 * s, o + 7 * s);
            RowTimesB<TL, TV>(t20, t21, t22, t23, o + 8 * s, o + 9 * s, o + 10 * s, o + 11 * s);
            RowTimesB<TL, TV>(t30, t31, t32, t33, o + 12 * s, o + 13 * s, o + 14 * s, o + 15 * s);
        }
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTimesB<TL, TV>(TV t0, TV t1, TV t2, TV t3, float* v0, float* v1, float* v2, float* v3)
        where TL : struct, IWinogradLanes<TV>
    {
        TL.Store(TL.Sub(t0, t2), v0);
        TL.Store(TL.Add(t1, t2), v1);
        TL.Store(TL.Sub(t2, t1), v2);
        TL.Store(TL.Sub(t1, t3), v3);
    }

    /// <summary>
    /// The 2×2 outputs of one tile from its 16 products m[ξ·xiStride + c], c in [0, channels):
    /// Y = Aᵀ·M·A, plus bias[c] (if not null), plus the values already in y (if
    /// <paramref name="accumulate"/>), through max(·, 0) (if <paramref name="relu"/>). Output (i, j) goes
    /// to <paramref name="y"/>[i·2 + j] unless that pointer is null (a position past the output's edge).
    /// </summary>
    public static void Output(float* m, long xiStride, int channels, float* bias, float** y, bool accumulate, bool relu)
    {
        int c = 0;
        if (WinogradLanes512.IsSupported) c = Output<WinogradLanes512, Vector512<float>>(m, xiStride, c, channels, bias, y, accumulate, relu);
        if (WinogradLanes256.IsSupported) c = Output<WinogradLanes256, Vector256<float>>(m, xiStride, c, channels, bias, y, accumulate, relu);
        if (WinogradLanes128.IsSupported) c = Output<WinogradLanes128, Vector128<float>>(m, xiStride, c, channels, bias, y, accumulate, relu);
        Output<WinogradLanes1, float>(m, xiStride, c, channels, bias, y, accumulate, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Output<TL, TV>(float* m, long s, int c, int end, float* bias, float** y, bool accumulate, bool relu)
        where TL : struct, IWinogradLanes<TV>
    {
        for (; c + TL.Count <= end; c += TL.Count)
        {
            float* q = m + c;
            // s = Aᵀ·M (2×4), column j at a time.
            TV s00, s01, s02, s03, s10, s11, s12, s13;
            ColumnTimesAT<TL, TV>(TL.Load(q), TL.Load(q + 4 * s), TL.Load(q + 8 * s), TL.Load(q + 12 * s), out s00, out s10);
            ColumnTimesAT<TL, TV>(TL.Load(q + s), TL.Load(q + 5 * s), TL.Load(q + 9 * s), TL.Load(q + 13 * s), out s01, out s11);
            ColumnTimesAT<TL, TV>(TL.Load(q + 2 * s), TL.Load(q + 6 * s), TL.Load(q + 10 * s), TL.Load(q + 14 * s), out s02, out s12);
            ColumnTimesAT<TL, TV>(TL.Load(q + 3 * s), TL.Load(q + 7 * s), TL.Load(q + 11 * s), TL.Load(q + 15 * s), out s03, out s13);
            // Y = s·A.
            ColumnTimesAT<TL, TV>(s00, s01, s02, s03, out var y00, out var y01);
            ColumnTimesAT<TL, TV>(s10, s11, s12, s13, out var y10, out var y11);
            if (bias != null)
            {
                var b = TL.Load(bias + c);
                y00 = TL.Add(y00, b);
                y01 = TL.Add(y01, b);
                y10 = TL.Add(y10, b);
                y11 = TL.Add(y11, b);
            }
            Write<TL, TV>(y00, y[0], c, accumulate, relu);
            if (y[1] != null) Write<TL, TV>(y01, y[1], c, accumulate, relu);
            if (y[2] != null) Write<TL, TV>(y10, y[2], c, accumulate, relu);
            if (y[3] != null) Write<TL, TV>(y11, y[3], c, accumulate, relu);
        }
        return c;
    }

    /// <summary>(r0, r1) = Aᵀ·(m0, m1, m2, m3): r0 = m0 + m1 + m2, r1 = m1 − m2 − m3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnTimesAT<TL, TV>(TV m0, TV m1, TV m2, TV m3, out TV r0, out TV r1)
        where TL : struct, IWinogradLanes<TV>
    {
        r0 = TL.Add(TL.Add(m0, m1), m2);
        r1 = TL.Sub(TL.Sub(m1, m2), m3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<TL, TV>(TV v, float* y, int c, bool accumulate, bool relu)
        where TL : struct, IWinogradLanes<TV>
    {
        if (accumulate) v = TL.Add(TL.Load(y + c), v);
        if (relu) v = TL.Relu(v);
        TL.Store(v, y + c);
    }

    /// <summary>
    /// The kernel gradient's dy transform, A·e·Aᵀ (4×4 from a 2×2 dy tile e), with
    /// A = [1 0; 1 1; 1 −1; 0 −1]: E[ξ·xiStride + c] for c in [0, channels), where e[i, j] is the
    /// channel run at <paramref name="tile"/>[2·i + j] (a zero run past the output's edge). Exact
    /// but for the rounding of each two-term sum.
    /// </summary>
    public static void Gradient(float** tile, int channels, float* e, long xiStride)
    {
        int c = 0;
        if (WinogradLanes512.IsSupported) c = Gradient<WinogradLanes512, Vector512<float>>(tile, c, channels, e, xiStride);
        if (WinogradLanes256.IsSupported) c = Gradient<WinogradLanes256, Vector256<float>>(tile, c, channels, e, xiStride);
        if (WinogradLanes128.IsSupported) c = Gradient<WinogradLanes128, Vector128<float>>(tile, c, channels, e, xiStride);
        Gradient<WinogradLanes1, float>(tile, c, channels, e, xiStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Gradient<TL, TV>(float** p, int c, int end, float* e, long s)
        where TL : struct, IWinogradLanes<TV>
    {
        for (; c + TL.Count <= end; c += TL.Count)
        {
            TV e00 = TL.Load(p[0] + c), e01 = TL.Load(p[1] + c), e10 = TL.Load(p[2] + c), e11 = TL.Load(p[3] + c);
            // Rows of A·e: (e0, e0 + e1, e0 − e1, −e1), each a pair (column 0, column 1).
            float* o = e + c;
            RowTimesAT<TL, TV>(e00, e01, o, o + s, o + 2 * s, o + 3 * s);
            RowTimesAT<TL, TV>(TL.Add(e00, e10), TL.Add(e01, e11), o + 4 * s, o + 5 * s, o + 6 * s, o + 7 * s);
            RowTimesAT<TL, TV>(TL.Sub(e00, e10), TL.Sub(e01, e11), o + 8 * s, o + 9 * s, o + 10 * s, o + 11 * s);
            RowTimesAT<TL, TV>(TL.Neg(e10), TL.Neg(e11), o + 12 * s, o + 13 * s, o + 14 * s, o + 15 * s);
        }
        return c;
    }

    /// <summary>(a, b) · Aᵀ = (a, a + b, a − b, −b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTimesAT<TL, TV>(TV a, TV b, float* v0, float* v1, float* v2, float* v3)
        where TL : struct, IWinogradLanes<TV>
    {
        TL.Store(a, v0);
        TL.Store(TL.Add(a, b), v1);
        TL.Store(TL.Sub(a, b), v2);
        TL.Store(TL.Neg(b), v3);
    }

    /// <summary>
    /// dw[(tap·cin + ci)·cout + co] += (Gᵀ·M·G)[tap] for the 4×4 sums M[ξ] = m[ξ·cin·np + ci·np + co]
    /// (the kernel gradient's last transform; Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1], each ½ exact).
    /// </summary>
    public static void KernelGradient(float* m, int cin, int cout, int np, float* dw)
    {
        long plane = (long)cin * np;
        float* t = stackalloc float[12]; // Gᵀ·M, 3×4
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < cout; co++)
            {
                float* src = m + (long)ci * np + co;
                for (int j = 0; j < 4; j++)
                {
                    float m0 = src[j * plane], m1 = src[(4 + j) * plane], m2 = src[(8 + j) * plane], m3 = src[(12 + j) * plane];
                    float half = 0.5f * (m1 + m2);
                    t[j] = m0 + half;
                    t[4 + j] = 0.5f * (m1 - m2);
                    t[8 + j] = m3 + half;
                }
                for (int i = 0; i < 3; i++)
                {
                    float a = t[4 * i], b = t[4 * i + 1], c = t[4 * i + 2], d = t[4 * i + 3];
                    float half = 0.5f * (b + c);
                    dw[((3L * i) * cin + ci) * cout + co] += a + half;
                    dw[((3L * i + 1) * cin + ci) * cout + co] += 0.5f * (b - c);
                    dw[((3L * i + 2) * cin + ci) * cout + co] += d + half;
                }
            }
    }

    /// <summary>
    /// U[ξ·cin·np + ci·np + co] = (G·g·Gᵀ)[ξ] for the (KH=3, KW=3, Cin, Cout) kernel
    /// <paramref name="w"/>; columns co in [Cout, np) are zero. Each ½ is exact, so the only
    /// rounding is in the sums (at most three terms along each axis).
    /// </summary>
    public static void Kernel(float* w, int cin, int cout, int np, float* u)
    {
        long plane = (long)cin * np;
        float* g = stackalloc float[9];
        float* t = stackalloc float[12]; // G·g, 4×3
        int width = Vector<float>.Count;
        var half = new Vector<float>(0.5f);
        Span<Vector<float>> tv = stackalloc Vector<float>[12];
        for (int ci = 0; ci < cin; ci++)
        {
            int co = 0;
            // Whole vectors of output channels: the same operations in the same order as the scalar
            // loop below (so the same bits), with contiguous loads and stores along co instead of one
            // strided filter at a time — the transform runs on every call, and scalar it was 60 % of
            // convnet's batch-1 Predict.
            for (; co + width <= cout; co += width)
            {
                // tv = G·g for a vector of filters, 4 rows × 3 columns
                for (int j = 0; j < 3; j++)
                {
                    var g0 = Vector.Load(w + ((long)j * cin + ci) * cout + co);
                    var g1 = Vector.Load(w + ((long)(3 + j) * cin + ci) * cout + co);
                    var g2 = Vector.Load(w + ((long)(6 + j) * cin + ci) * cout + co);
                    tv[j] = g0;
                    tv[3 + j] = half * (g0 + g1 + g2);
                    tv[6 + j] = half * (g0 - g1 + g2);
                    tv[9 + j] = g2;
                }
                float* dst = u + (long)ci * np + co;
                for (int i = 0; i < 4; i++)
                {
                    Vector<float> a = tv[3 * i], b = tv[3 * i + 1], d = tv[3 * i + 2];
                    Vector.Store(a, dst + (4 * i) * plane);
                    Vector.Store(half * (a + b + d), dst + (4 * i + 1) * plane);
                    Vector.Store(half * (a - b + d), dst + (4 * i + 2) * plane);
                    Vector.Store(d, dst + (4 * i + 3) * plane);
                }
            }
            for (; co < cout; co++)
            {
                for (int tap = 0; tap < 9; tap++) g[tap] = w[((long)tap * cin + ci) * cout + co];
                for (int j = 0; j < 3; j++)
                {
                    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    t[j] = g0;
                    t[3 + j] = 0.5f * (g0 + g1 + g2);
                    t[6 + j] = 0.5f * (g0 - g1 + g2);
                    t[9 + j] = g2;
                }
                float* dst = u + (long)ci * np + co;
                for (int i = 0; i < 4; i++)
                {
                    float a = t[3 * i], b = t[3 * i + 1], d = t[3 * i + 2];
                    dst[(4 * i) * plane] = a;
                    dst[(4 * i + 1) * plane] = 0.5f * (a + b + d);
                    dst[(4 * i + 2) * plane] = 0.5f * (a - b + d);
                    dst[(4 * i + 3) * plane] = d;
                }
            }
            for (int xi = 0; xi < 16; xi++)
                new Span<float>(u + xi * plane + (long)ci * np + cout, np - cout).Clear();
        }
    }
}
