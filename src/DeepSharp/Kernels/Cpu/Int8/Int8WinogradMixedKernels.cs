using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The transforms of <see cref="Int8WinogradMixed"/> (AVX-512BW): the tall tile F(4×2, 3×3) reads a
/// 6-row, 4-column window, V = B₄ᵀ d B₂ (6 × 4 positions), and gives 4 × 2 outputs (two pool cells,
/// one above the other); the wide tile F(2×4, 3×3) reads 4 rows × 6 columns, V = B₂ᵀ d B₄ (4 × 6),
/// and gives 2 × 4 outputs (two pool cells side by side). B₄ᵀ is Lavin's F(4, 3) matrix
/// (<see cref="Int8Winograd4Kernels.B(Vector512{short}, Vector512{short}, Vector512{short}, Vector512{short}, Vector512{short}, Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short})"/>),
/// B₂ᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]], A₂ᵀ = [[1,1,1,0],[0,1,−1,−1]] and A₄′ᵀ = 24 · A₄ᵀ S⁻¹
/// (<see cref="Int8Winograd4"/>).
/// </summary>
/// <remarks>
/// Exactness, as for <see cref="Int8Winograd4"/>: |V| ≤ 10 · 2 · 255 = 5,100 (int16 arithmetic modulo 2¹⁶
/// gives V itself), |U′| ≤ 2,688 (<see cref="Int8WinogradMixedWeights"/>), a <c>vpmaddwd</c> lane
/// |·| ≤ 2 · 5,100 · 2,688 &lt; 2³¹. With U′ = S G₄ g (2 G₂)ᵀ the output transform A₄′ᵀ [Σ U′ ⊙ V] A₂
/// is 24 · 2 · Y = 48 · Y modulo 2³²; 48 = 2⁴ · 3, and times 3⁻¹ modulo 2³² it is 16 · Y modulo 2³²,
/// which is 16 · Y itself while |Y| &lt; 2²⁷ (Cin ≤ <see cref="Int8Winograd4.MaxInC"/> gives |Y| &lt; 2²⁵);
/// 16 · Y is increasing in Y, so the pool's max is taken on it and shifted right by 4 after.
/// </remarks>
internal static unsafe class Int8WinogradMixedKernels
{
    /// <summary>3⁻¹ modulo 2³²: 3 · 2,863,311,531 = 2 · 2³² + 1.</summary>
    internal const int InverseOf3 = unchecked((int)2_863_311_531u);

    /// <summary>
    /// V = B₄ᵀ d B₂ of one 6-row × 4-column window (rows <paramref name="rowStride"/> bytes apart, pixels
    /// <paramref name="channels"/> bytes apart), int16 at <paramref name="v"/> + position · <paramref name="positionStride"/>
    /// (position = row · 4 + column) + channel; channels rounded up to 32 with zeros.
    /// </summary>
    [SkipLocalsInit]
    public static void InputTall(byte* window, int rowStride, int channels, short* v, long positionStride) =>
        Input(window, rowStride, channels, v, positionStride, tall: true);

    /// <summary>V = B₂ᵀ d B₄ of one 4-row × 6-column window (position = row · 6 + column), as <see cref="InputTall"/>.</summary>
    [SkipLocalsInit]
    public static void InputWide(byte* window, int rowStride, int channels, short* v, long positionStride) =>
        Input(window, rowStride, channels, v, positionStride, tall: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Input(byte* window, int rowStride, int channels, short* v, long positionStride, bool tall)
    {
        short* t = stackalloc short[24 * 32];
        int c = 0;
        for (; c + 32 <= channels; c += 32)
            if (tall) Tall(window + c, rowStride, channels, t, v + c, positionStride);
            else Wide(window + c, rowStride, channels, t, v + c, positionStride);
        if (c == channels) return;
        // The last 1–31 channels: the window's bytes copied to a block of 32 a pixel, zeros after them.
        byte* block = stackalloc byte[24 * 32];
        new Span<byte>(block, 24 * 32).Clear();
        int rest = channels - c, h = tall ? 6 : 4, w = tall ? 4 : 6;
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                byte* src = window + (long)i * rowStride + j * channels + c;
                for (int k = 0; k < rest; k++) block[(i * w + j) * 32 + k] = src[k];
            }
        if (tall) Tall(block, w * 32, 32, t, v + c, positionStride);
        else Wide(block, w * 32, 32, t, v + c, positionStride);
    }

    /// <summary>32 channels of a tall window: B₄ᵀ down each of its 4 columns into <paramref name="t"/> (6 × 4), then B₂ᵀ along each of t's 6 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tall(byte* w, int rowStride, int step, short* t, short* v, long positionStride)
    {
        for (int j = 0; j < 4; j++)
        {
            byte* p = w + j * step;
            Int8Winograd4Kernels.B(Int8Winograd4Kernels.Load(p), Int8Winograd4Kernels.Load(p + rowStride), Int8Winograd4Kernels.Load(p + 2 * rowStride),
                Int8Winograd4Kernels.Load(p + 3 * rowStride), Int8Winograd4Kernels.Load(p + 4 * rowStride), Int8Winograd4Kernels.Load(p + 5 * rowStride),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(t + (0 * 4 + j) * 32);
            o1.Store(t + (1 * 4 + j) * 32);
            o2.Store(t + (2 * 4 + j) * 32);
            o3.Store(t + (3 * 4 + j) * 32);
            o4.Store(t + (4 * 4 + j) * 32);
            o5.Store(t + (5 * 4 + j) * 32);
        }
        for (int r = 0; r < 6; r++)
        {
            short* row = t + r * 4 * 32;
            B2(Vector512.Load(row), Vector512.Load(row + 32), Vector512.Load(row + 64), Vector512.Load(row + 96), v + r * 4 * positionStride, positionStride);
        }
    }

    /// <summary>32 channels of a wide window: B₂ᵀ down each of its 6 columns into <paramref name="t"/> (4 × 6), then B₄ᵀ along each of t's 4 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Wide(byte* w, int rowStride, int step, short* t, short* v, long positionStride)
    {
        for (int j = 0; j < 6; j++)
        {
            byte* p = w + j * step;
            var x0 = Int8Winograd4Kernels.Load(p);
            var x1 = Int8Winograd4Kernels.Load(p + rowStride);
            var x2 = Int8Winograd4Kernels.Load(p + 2 * rowStride);
            var x3 = Int8Winograd4Kernels.Load(p + 3 * rowStride);
            (x0 - x2).Store(t + (0 * 6 + j) * 32);
            (x1 + x2).Store(t + (1 * 6 + j) * 32);
            (x2 - x1).Store(t + (2 * 6 + j) * 32);
            (x1 - x3).Store(t + (3 * 6 + j) * 32);
        }
        for (int r = 0; r < 4; r++)
        {
            short* row = t + r * 6 * 32;
            short* out0 = v + r * 6 * positionStride;
            Int8Winograd4Kernels.B(Vector512.Load(row), Vector512.Load(row + 32), Vector512.Load(row + 64), Vector512.Load(row + 96), Vector512.Load(row + 128),
                Vector512.Load(row + 160), out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(out0);
            o1.Store(out0 + positionStride);
            o2.Store(out0 + 2 * positionStride);
            o3.Store(out0 + 3 * positionStride);
            o4.Store(out0 + 4 * positionStride);
            o5.Store(out0 + 5 * positionStride);
        }
    }

    /// <summary>B₂ᵀ applied to (x0, x1, x2, x3), the four results stored <paramref name="positionStride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void B2(Vector512<short> x0, Vector512<short> x1, Vector512<short> x2, Vector512<short> x3, short* v, long positionStride)
    {
        (x0 - x2).Store(v);
        (x1 + x2).Store(v + positionStride);
        (x2 - x1).Store(v + 2 * positionStride);
        (x1 - x3).Store(v + 3 * positionStride);
    }

    /// <summary>16 · Y from 48 · Y modulo 2³² (see the remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Times16(Vector512<int> x) => x * Vector512.Create(InverseOf3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Max4(Vector512<int> a, Vector512<int> b, Vector512<int> c, Vector512<int> d) =>
        Vector512.ShiftRightArithmetic(Vector512.Max(Vector512.Max(Times16(a), Times16(b)), Vector512.Max(Times16(c), Times16(d))), 4);

    /// <summary>A₄′ᵀ's four rows applied to one column (x0..x5): [6,4,4,1,1,0], [0,4,−4,2,−2,0], [0,4,4,4,4,0], [0,4,−4,8,−8,24].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void A4(Vector512<int> x0, Vector512<int> x1, Vector512<int> x2, Vector512<int> x3, Vector512<int> x4, Vector512<int> x5,
        out Vector512<int> y0, out Vector512<int> y1, out Vector512<int> y2, out Vector512<int> y3)
    {
        var p = x1 + x2;
        var r = x3 + x4;
        var q = Vector512.ShiftLeft(x1 - x2, 2);
        var d = x3 - x4;
        y0 = Vector512.ShiftLeft(x0, 2) + Vector512.ShiftLeft(x0, 1) + Vector512.ShiftLeft(p, 2) + r;
        y1 = q + Vector512.ShiftLeft(d, 1);
        y2 = Vector512.ShiftLeft(p + r, 2);
        y3 = q + Vector512.ShiftLeft(d, 3) + Vector512.ShiftLeft(x5, 4) + Vector512.ShiftLeft(x5, 3);
    }

    /// <summary>
    /// The two pool cells of a tall tile for 16 output channels (its 24 positions <paramref name="positionStride"/>
    /// ints apart): the maxima of the exact direct sums of output rows 0–1 (<paramref name="top"/>) and 2–3 (<paramref name="low"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PooledTall(int* m, long positionStride, out Vector512<int> top, out Vector512<int> low)
    {
        // t[i][s] = Σ_r A₄′ᵀ[i][r] m[r][s], column s by column; then Y[i][·] = t[i][·] A₂.
        Column(m, positionStride, out var t00, out var t10, out var t20, out var t30);
        Column(m + positionStride, positionStride, out var t01, out var t11, out var t21, out var t31);
        Column(m + 2 * positionStride, positionStride, out var t02, out var t12, out var t22, out var t32);
        Column(m + 3 * positionStride, positionStride, out var t03, out var t13, out var t23, out var t33);
        top = Max4(t00 + t01 + t02, t01 - t02 - t03, t10 + t11 + t12, t11 - t12 - t13);
        low = Max4(t20 + t21 + t22, t21 - t22 - t23, t30 + t31 + t32, t31 - t32 - t33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(int* m, long positionStride, out Vector512<int> y0, out Vector512<int> y1, out Vector512<int> y2, out Vector512<int> y3)
    {
        long s = 4 * positionStride; // the tall tile's rows are 4 positions apart
        A4(Vector512.Load(m), Vector512.Load(m + s), Vector512.Load(m + 2 * s), Vector512.Load(m + 3 * s), Vector512.Load(m + 4 * s), Vector512.Load(m + 5 * s),
            out y0, out y1, out y2, out y3);
    }

    /// <summary>
    /// The two pool cells of a wide tile for 16 output channels (its 24 positions <paramref name="positionStride"/>
    /// ints apart): the maxima of the exact direct sums of output columns 0–1 (<paramref name="left"/>) and 2–3 (<paramref name="right"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PooledWide(int* m, long positionStride, out Vector512<int> left, out Vector512<int> right)
    {
        // t[i][s] = Σ_r A₂ᵀ[i][r] m[r][s] for s < 6, then Y[i][·] = A₄′ᵀ applied along t's row i.
        Row(m, positionStride, out var a0, out var a1, out var a2, out var a3);   // Y[0][0..3]
        Row2(m, positionStride, out var b0, out var b1, out var b2, out var b3);  // Y[1][0..3]
        left = Max4(a0, a1, b0, b1);
        right = Max4(a2, a3, b2, b3);
    }

    /// <summary>Output row 0 of a wide tile: t[0][s] = m[0][s] + m[1][s] + m[2][s], then A₄′ᵀ along it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(int* m, long p, out Vector512<int> y0, out Vector512<int> y1, out Vector512<int> y2, out Vector512<int> y3)
    {
        long r = 6 * p; // the wide tile's rows are 6 positions apart
        A4(Vector512.Load(m) + Vector512.Load(m + r) + Vector512.Load(m + 2 * r),
            Vector512.Load(m + p) + Vector512.Load(m + r + p) + Vector512.Load(m + 2 * r + p),
            Vector512.Load(m + 2 * p) + Vector512.Load(m + r + 2 * p) + Vector512.Load(m + 2 * r + 2 * p),
            Vector512.Load(m + 3 * p) + Vector512.Load(m + r + 3 * p) + Vector512.Load(m + 2 * r + 3 * p),
            Vector512.Load(m + 4 * p) + Vector512.Load(m + r + 4 * p) + Vector512.Load(m + 2 * r + 4 * p),
            Vector512.Load(m + 5 * p) + Vector512.Load(m + r + 5 * p) + Vector512.Load(m + 2 * r + 5 * p),
            out y0, out y1, out y2, out y3);
    }

    /// <summary>Output row 1 of a wide tile: t[1][s] = m[1][s] − m[2][s] − m[3][s], then A₄′ᵀ along it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row2(int* m, long p, out Vector512<int> y0, out Vector512<int> y1, out Vector512<int> y2, out Vector512<int> y3)
    {
        long r = 6 * p;
        A4(Vector512.Load(m + r) - Vector512.Load(m + 2 * r) - Vector512.Load(m + 3 * r),
            Vector512.Load(m + r + p) - Vector512.Load(m + 2 * r + p) - Vector512.Load(m + 3 * r + p),
            Vector512.Load(m + r + 2 * p) - Vector512.Load(m + 2 * r + 2 * p) - Vector512.Load(m + 3 * r + 2 * p),
            Vector512.Load(m + r + 3 * p) - Vector512.Load(m + 2 * r + 3 * p) - Vector512.Load(m + 3 * r + 3 * p),
            Vector512.Load(m + r + 4 * p) - Vector512.Load(m + 2 * r + 4 * p) - Vector512.Load(m + 3 * r + 4 * p),
            Vector512.Load(m + r + 5 * p) - Vector512.Load(m + 2 * r + 5 * p) - Vector512.Load(m + 3 * r + 5 * p),
            out y0, out y1, out y2, out y3);
    }
}
