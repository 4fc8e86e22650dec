using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The transforms of Winograd's F(4×4, 3×3) (Lavin and Gray, 2016; interpolation points 0, ±1, ±2
/// and ∞), over NHWC channel runs: input tiles V = Bᵀ·d·B (6×6 from a 6×6 input window), kernels
/// U = G·g·Gᵀ (6×6 from 3×3) and outputs Y = Aᵀ·M·A (4×4 from the 6×6 products M = Σ_ci U ⊙ V), with
/// <code>
/// Bᵀ = [4  0 −5  0 1 0;     G = [ 1/4     0     0;    Aᵀ = [1 1  1 1  1 0;
///       0 −4 −4  1 1 0;          −1/6  −1/6  −1/6;          0 1 −1 2 −2 0;
///       0  4 −4 −1 1 0;          −1/6   1/6  −1/6;          0 1  1 4  4 0;
///       0 −2 −1  2 1 0;           1/24  1/12  1/6;          0 1 −1 8 −8 1]
///       0  2 −1 −2 1 0;           1/24 −1/12  1/6;
///       0  4  0 −5 0 1]           0     0     1  ]
/// </code>
/// Element ξ = 6·i + j of a 6×6 tile is stored ξ-major (see <see cref="WinogradF43"/>).
/// </summary>
/// <remarks>
/// Implementation notes. The input and output transforms factor each 6-point column as in the
/// literature's "even/odd" form (t1,2 = (d4 − 4d2) ± (d3 − 4d1), t3,4 = (d4 − d2) ± 2(d3 − d1),
/// t0 = 4(d0 − d2) + (d4 − d2), t5 = 4(d1 − d3) + (d5 − d3); y0 = m0 + (m1 + m2) + (m3 + m4),
/// y1 = (m1 − m2) + 2(m3 − m4), y2 = (m1 + m2) + 4(m3 + m4), y3 = (m1 − m2) + 8(m3 − m4) + m5): every
/// scaling is by a power of two, so exact, and each output is at most four roundings deep per axis. Both
/// transform a column at a time, then the rows in place in the destination (the input) or in the products'
/// scratch (the output), which stays in L1. They run over the channels with the widest vectors the CPU
/// has and single floats for the rest; every width does the same float operations in the same order, so
/// the same bits. The kernel transform is <see cref="WinogradF43Kernel"/>.
/// </remarks>
internal static unsafe class WinogradF43Transforms
{
    /// <summary>
    /// V[ξ·xiStride + c] = (Bᵀ·d·B)[ξ] for c in [0, channels), where d[i, j] is the channel run at
    /// <paramref name="window"/>[6·i + j] (a zero run for positions outside the input).
    /// </summary>
    public static void Input(float** window, int channels, float* v, long xiStride)
    {
        int c = 0;
        if (WinogradLanes512.IsSupported) c = Input<WinogradLanes512, Vector512<float>>(window, c, channels, v, xiStride);
        if (WinogradLanes256.IsSupported) c = Input<WinogradLanes256, Vector256<float>>(window, c, channels, v, xiStride);
        if (WinogradLanes128.IsSupported) c = Input<WinogradLanes128, Vector128<float>>(window, c, channels, v, xiStride);
        Input<WinogradLanes1, float>(window, c, channels, v, xiStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Input<TL, TV>(float** p, int c, int end, float* v, long s)
        where TL : struct, IWinogradLanes<TV>
    {
        for (; c + TL.Count <= end; c += TL.Count)
        {
            float* o = v + c;
            // t = Bᵀ·d, a column j at a time, into V's places; then each row of t times B, in place.
            for (int j = 0; j < 6; j++)
                BT<TL, TV>(TL.Load(p[j] + c), TL.Load(p[6 + j] + c), TL.Load(p[12 + j] + c), TL.Load(p[18 + j] + c),
                    TL.Load(p[24 + j] + c), TL.Load(p[30 + j] + c), o + j * s, 6 * s);
            for (int i = 0; i < 6; i++)
            {
                float* r = o + 6 * i * s;
                BT<TL, TV>(TL.Load(r), TL.Load(r + s), TL.Load(r + 2 * s), TL.Load(r + 3 * s), TL.Load(r + 4 * s), TL.Load(r + 5 * s), r, s);
            }
        }
        return c;
    }

    /// <summary>Bᵀ·(d0 … d5), the six results stored <paramref name="step"/> floats apart from <paramref name="o"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT<TL, TV>(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, float* o, long step)
        where TL : struct, IWinogradLanes<TV>
    {
        TV a = TL.Sub(d4, TL.Scale(d2, 4f)), b = TL.Sub(d3, TL.Scale(d1, 4f));
        TV e = TL.Sub(d4, d2), f = TL.Scale(TL.Sub(d3, d1), 2f);
        TL.Store(TL.Add(TL.Scale(TL.Sub(d0, d2), 4f), e), o);
        TL.Store(TL.Add(a, b), o + step);
        TL.Store(TL.Sub(a, b), o + 2 * step);
        TL.Store(TL.Add(e, f), o + 3 * step);
        TL.Store(TL.Sub(e, f), o + 4 * step);
        TL.Store(TL.Add(TL.Scale(TL.Sub(d1, d3), 4f), TL.Sub(d5, d3)), o + 5 * step);
    }

    /// <summary>
    /// The 4×4 outputs of one tile from its 36 products m[ξ·xiStride + c], c in [0, channels):
    /// Y = Aᵀ·M·A, plus bias[c] (if not null), plus the values already in y (if
    /// <paramref name="accumulate"/>), through max(·, 0) (if <paramref name="relu"/>). Output (i, j) goes
    /// to <paramref name="y"/>[4·i + j] unless that pointer is null (a position past the output's edge).
    /// Overwrites rows 0–3 of <paramref name="m"/> with Aᵀ·M.
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
            for (int j = 0; j < 6; j++)
            {
                float* col = q + j * s;
                AT<TL, TV>(TL.Load(col), TL.Load(col + 6 * s), TL.Load(col + 12 * s), TL.Load(col + 18 * s), TL.Load(col + 24 * s), TL.Load(col + 30 * s),
                    out var r0, out var r1, out var r2, out var r3);
                TL.Store(r0, col);
                TL.Store(r1, col + 6 * s);
                TL.Store(r2, col + 12 * s);
                TL.Store(r3, col + 18 * s);
            }
            for (int i = 0; i < 4; i++)
            {
                float* r = q + 6 * i * s;
                AT<TL, TV>(TL.Load(r), TL.Load(r + s), TL.Load(r + 2 * s), TL.Load(r + 3 * s), TL.Load(r + 4 * s), TL.Load(r + 5 * s),
                    out var y0, out var y1, out var y2, out var y3);
                if (bias != null)
                {
                    var b = TL.Load(bias + c);
                    y0 = TL.Add(y0, b);
                    y1 = TL.Add(y1, b);
                    y2 = TL.Add(y2, b);
                    y3 = TL.Add(y3, b);
                }
                float** row = y + 4 * i;
                if (row[0] != null) Write<TL, TV>(y0, row[0], c, accumulate, relu);
                if (row[1] != null) Write<TL, TV>(y1, row[1], c, accumulate, relu);
                if (row[2] != null) Write<TL, TV>(y2, row[2], c, accumulate, relu);
                if (row[3] != null) Write<TL, TV>(y3, row[3], c, accumulate, relu);
            }
        }
        return c;
    }

    /// <summary>(r0 … r3) = Aᵀ·(m0 … m5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AT<TL, TV>(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, out TV r0, out TV r1, out TV r2, out TV r3)
        where TL : struct, IWinogradLanes<TV>
    {
        TV p = TL.Add(m1, m2), q = TL.Sub(m1, m2), r = TL.Add(m3, m4), d = TL.Sub(m3, m4);
        r0 = TL.Add(TL.Add(m0, p), r);
        r1 = TL.Add(q, TL.Scale(d, 2f));
        r2 = TL.Add(p, TL.Scale(r, 4f));
        r3 = TL.Add(TL.Add(q, TL.Scale(d, 8f)), m5);
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
    /// The kernel gradient's dy transform, A·e·Aᵀ (6×6 from a 4×4 dy tile e; A = (Aᵀ)ᵀ of the class notes):
    /// E[ξ·xiStride + c] for c in [0, channels), where e[i, j] is the channel run at <paramref name="tile"/>[4·i + j]
    /// (a zero run past the output's edge). Each 4-point column as o0 = e0, o1,2 = (e0 + e2) ± (e1 + e3),
    /// o3,4 = (e0 + 4e2) ± 2(e1 + 4e3), o5 = e3: powers of two only, so exact but for the sums' roundings.
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
            float* o = e + c;
            // t = A·e, a column j at a time, into rows 0–5 of column j; then each row of t times Aᵀ, in place.
            for (int j = 0; j < 4; j++)
                A<TL, TV>(TL.Load(p[j] + c), TL.Load(p[4 + j] + c), TL.Load(p[8 + j] + c), TL.Load(p[12 + j] + c), o + j * s, 6 * s);
            for (int i = 0; i < 6; i++)
            {
                float* r = o + 6 * i * s;
                A<TL, TV>(TL.Load(r), TL.Load(r + s), TL.Load(r + 2 * s), TL.Load(r + 3 * s), r, s);
            }
        }
        return c;
    }

    /// <summary>A·(e0 … e3), the six results stored <paramref name="step"/> floats apart from <paramref name="o"/> (all four inputs read first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void A<TL, TV>(TV e0, TV e1, TV e2, TV e3, float* o, long step)
        where TL : struct, IWinogradLanes<TV>
    {
        TV p = TL.Add(e0, e2), q = TL.Add(e1, e3), r = TL.Add(e0, TL.Scale(e2, 4f)), t = TL.Scale(TL.Add(e1, TL.Scale(e3, 4f)), 2f);
        TL.Store(e0, o);
        TL.Store(TL.Add(p, q), o + step);
        TL.Store(TL.Sub(p, q), o + 2 * step);
        TL.Store(TL.Add(r, t), o + 3 * step);
        TL.Store(TL.Sub(r, t), o + 4 * step);
        TL.Store(e3, o + 5 * step);
    }
}
