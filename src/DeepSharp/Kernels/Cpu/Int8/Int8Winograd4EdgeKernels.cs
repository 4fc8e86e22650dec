using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The edge tiles of <see cref="Int8Winograd4"/> (AVX-512BW): F(4×2, 3×3) for an odd last pool column (four output
/// rows by two columns from a 6×4 window) and F(2×4, 3×3) for an odd last pool row (two rows by four columns from a
/// 4×6 window), each 24 positions for 8 outputs where a half-used F(4×4) tile takes 36 (and the F(2×2) tiles 32).
/// Each side is its own 1-D Winograd: F(4, 3) with Lavin's Bᵀ and A′ᵀ = 24 · Aᵀ S⁻¹ (<see cref="Int8Winograd4"/>), or
/// F(2, 3) with Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]], G′ = 2G and Aᵀ = [[1,1,1,0],[0,1,−1,−1]]
/// (<see cref="Int8Winograd"/>); the weights are U′ = G′(rows) g G′(columns)ᵀ (<see cref="Int8Winograd4EdgeWeights"/>).
/// </summary>
/// <remarks>
/// <para>Exactness. The F(4) side gives 24 · Y, the F(2) side 2 · Y, so the output transform gives R = 48 · Y modulo 2³²
/// (all integer arithmetic, int32 wrapping, a ring). Bounds: the rows of F(4)'s Bᵀ have |·| sums of at most 10, F(2)'s
/// at most 2, so |V| ≤ 10 · 2 · 255 = 5,100; |U′| ≤ 7 · 3 · 128 = 2,688; a <c>vpmaddwd</c> lane adds two products,
/// |·| ≤ 2 · 5,100 · 2,688 = 27,417,600 &lt; 2³¹. Recovery: 48 = 2⁴ · 3 and 3⁻¹ modulo 2³² = 2,863,311,531
/// (3 · 2,863,311,531 = 2 · 2³² + 1; −1,431,655,765 as an int32), so R · 3⁻¹ ≡ 16 · Y (mod 2³²), which is 16 · Y itself
/// while |Y| &lt; 2²⁷: with −9 · 255 · 128 · Cin ≤ Y ≤ 9 · 255 · 127 · Cin that holds for Cin ≤ <see cref="MaxInC"/> = 456
/// (|Y| ≤ 133,954,560 &lt; 2²⁷ = 134,217,728; 457 channels would reach 134,248,320), above F(4×4)'s 114, so the edge
/// tiles never narrow <see cref="Int8Winograd4.MaxInC"/>. 16 · Y is increasing in Y: the pool's max is taken before
/// the arithmetic shift right by 4.</para>
/// </remarks>
internal static unsafe class Int8Winograd4EdgeKernels
{
    /// <summary>The most input channels whose sums Y satisfy |Y| &lt; 2²⁷: 9 · 255 · 128 · Cin &lt; 2²⁷.</summary>
    public const int MaxInC = 456;

    /// <summary>3⁻¹ modulo 2³² as an int32: 3 · 2,863,311,531 = 2 · 2³² + 1.</summary>
    internal const int InverseOf3 = -1_431_655_765;

    /// <summary>
    /// V = B₄ᵀ d B₂ of one 6×4 window (6 rows <paramref name="rowStride"/> bytes apart, 4 pixels <paramref name="channels"/>
    /// bytes apart), int16 at <paramref name="v"/> + (r · 4 + s) · <paramref name="positionStride"/> + channel, the channels
    /// rounded up to 32 with zeros.
    /// </summary>
    [SkipLocalsInit]
    public static void InputTall(byte* window, int rowStride, int channels, short* v, long positionStride)
    {
        short* t = stackalloc short[24 * 32];
        int c = 0;
        for (; c + 32 <= channels; c += 32) Tall(window + c, rowStride, channels, t, v + c, positionStride);
        if (c == channels) return;
        byte* block = stackalloc byte[24 * 32];
        Rest(window + c, rowStride, channels, channels - c, 6, 4, block);
        Tall(block, 4 * 32, 32, t, v + c, positionStride);
    }

    /// <summary>V = B₂ᵀ d B₄ of one 4×6 window, int16 at <paramref name="v"/> + (r · 6 + s) · <paramref name="positionStride"/> + channel.</summary>
    [SkipLocalsInit]
    public static void InputWide(byte* window, int rowStride, int channels, short* v, long positionStride)
    {
        short* t = stackalloc short[24 * 32];
        int c = 0;
        for (; c + 32 <= channels; c += 32) Wide(window + c, rowStride, channels, t, v + c, positionStride);
        if (c == channels) return;
        byte* block = stackalloc byte[24 * 32];
        Rest(window + c, rowStride, channels, channels - c, 4, 6, block);
        Wide(block, 6 * 32, 32, t, v + c, positionStride);
    }

    /// <summary>The last 1–31 channels of a window copied to a rows×columns×32 block, zeros after them.</summary>
    private static void Rest(byte* window, int rowStride, int channels, int rest, int rows, int columns, byte* block)
    {
        new Span<byte>(block, rows * columns * 32).Clear();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                byte* src = window + (long)i * rowStride + j * channels;
                for (int k = 0; k < rest; k++) block[(i * columns + j) * 32 + k] = src[k];
            }
    }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Wide(byte* w, int rowStride, int step, short* t, short* v, long positionStride)
    {
        for (int j = 0; j < 6; j++)
        {
            byte* p = w + j * step;
            var d0 = Int8Winograd4Kernels.Load(p);
            var d1 = Int8Winograd4Kernels.Load(p + rowStride);
            var d2 = Int8Winograd4Kernels.Load(p + 2 * rowStride);
            var d3 = Int8Winograd4Kernels.Load(p + 3 * rowStride);
            (d0 - d2).Store(t + (0 * 6 + j) * 32);
            (d1 + d2).Store(t + (1 * 6 + j) * 32);
            (d2 - d1).Store(t + (2 * 6 + j) * 32);
            (d1 - d3).Store(t + (3 * 6 + j) * 32);
        }
        for (int r = 0; r < 4; r++)
        {
            short* row = t + r * 6 * 32;
            short* out0 = v + r * 6 * positionStride;
            Int8Winograd4Kernels.B(Vector512.Load(row), Vector512.Load(row + 32), Vector512.Load(row + 64), Vector512.Load(row + 96), Vector512.Load(row + 128), Vector512.Load(row + 160),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(out0);
            o1.Store(out0 + positionStride);
            o2.Store(out0 + 2 * positionStride);
            o3.Store(out0 + 3 * positionStride);
            o4.Store(out0 + 4 * positionStride);
            o5.Store(out0 + 5 * positionStride);
        }
    }

    /// <summary>F(2, 3)'s Bᵀ along four values, stored at <paramref name="v"/>, <paramref name="positionStride"/> apart.</summary>
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
        Vector512.ShiftRightArithmetic(Vector512.Max(Vector512.Max(a, b), Vector512.Max(c, d)), 4);

    /// <summary>
    /// The 2×2 max pool of an F(4×2) tile's 4×2 outputs for 16 output channels (its 24 positions
    /// <paramref name="positionStride"/> ints apart, position r · 4 + s): the pooled sums of its top cell and, where
    /// <paramref name="bottom"/>, its bottom one (else left zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputTall(int* m, long positionStride, bool bottom, out Vector512<int> top, out Vector512<int> low)
    {
        // t[r][j] = Σ_s m[r][s] A₂[s][j]: j = 0 from [1,1,1,0], j = 1 from [0,1,−1,−1].
        Columns(m, positionStride, out var a0, out var b0);
        Columns(m + 4 * positionStride, positionStride, out var a1, out var b1);
        Columns(m + 8 * positionStride, positionStride, out var a2, out var b2);
        Columns(m + 12 * positionStride, positionStride, out var a3, out var b3);
        Columns(m + 16 * positionStride, positionStride, out var a4, out var b4);
        Columns(m + 20 * positionStride, positionStride, out var a5, out var b5);
        // Y = A′ᵀ t down the rows, A′ᵀ = [[6,4,4,1,1,0],[0,4,−4,2,−2,0],[0,4,4,4,4,0],[0,4,−4,8,−8,24]].
        var ap = a1 + a2;
        var ar = a3 + a4;
        var aq = Vector512.ShiftLeft(a1 - a2, 2);
        var asd = a3 - a4;
        var bp = b1 + b2;
        var br = b3 + b4;
        var bq = Vector512.ShiftLeft(b1 - b2, 2);
        var bsd = b3 - b4;
        var y0a = Times16(Vector512.ShiftLeft(a0, 2) + Vector512.ShiftLeft(a0, 1) + Vector512.ShiftLeft(ap, 2) + ar);
        var y1a = Times16(aq + Vector512.ShiftLeft(asd, 1));
        var y0b = Times16(Vector512.ShiftLeft(b0, 2) + Vector512.ShiftLeft(b0, 1) + Vector512.ShiftLeft(bp, 2) + br);
        var y1b = Times16(bq + Vector512.ShiftLeft(bsd, 1));
        top = Max4(y0a, y1a, y0b, y1b);
        if (!bottom)
        {
            low = default;
            return;
        }
        var y2a = Times16(Vector512.ShiftLeft(ap + ar, 2));
        var y3a = Times16(aq + Vector512.ShiftLeft(asd, 3) + Vector512.ShiftLeft(a5, 4) + Vector512.ShiftLeft(a5, 3));
        var y2b = Times16(Vector512.ShiftLeft(bp + br, 2));
        var y3b = Times16(bq + Vector512.ShiftLeft(bsd, 3) + Vector512.ShiftLeft(b5, 4) + Vector512.ShiftLeft(b5, 3));
        low = Max4(y2a, y3a, y2b, y3b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(int* row, long stride, out Vector512<int> t0, out Vector512<int> t1)
    {
        var x1 = Vector512.Load(row + stride);
        var x2 = Vector512.Load(row + 2 * stride);
        t0 = Vector512.Load(row) + x1 + x2;
        t1 = x1 - x2 - Vector512.Load(row + 3 * stride);
    }

    /// <summary>
    /// The 2×2 max pool of an F(2×4) tile's 2×4 outputs for 16 output channels (position r · 6 + s): the pooled sums of
    /// its left cell and, where <paramref name="right"/>, its right one (else left zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputWide(int* m, long positionStride, bool right, out Vector512<int> left, out Vector512<int> rightCell)
    {
        // t[r][j] = Σ_s m[r][s] A′[s][j] for j = 0, 1 (then 2, 3), row by row; Y = A₂ᵀ t down the four rows.
        long row = 6 * positionStride;
        Int8Winograd4Kernels.Rows01(m, positionStride, out var a0, out var b0);
        Int8Winograd4Kernels.Rows01(m + row, positionStride, out var a1, out var b1);
        Int8Winograd4Kernels.Rows01(m + 2 * row, positionStride, out var a2, out var b2);
        Int8Winograd4Kernels.Rows01(m + 3 * row, positionStride, out var a3, out var b3);
        left = Cell(a0, a1, a2, a3, b0, b1, b2, b3);
        if (!right)
        {
            rightCell = default;
            return;
        }
        Int8Winograd4Kernels.Rows23(m, positionStride, out a0, out b0);
        Int8Winograd4Kernels.Rows23(m + row, positionStride, out a1, out b1);
        Int8Winograd4Kernels.Rows23(m + 2 * row, positionStride, out a2, out b2);
        Int8Winograd4Kernels.Rows23(m + 3 * row, positionStride, out a3, out b3);
        rightCell = Cell(a0, a1, a2, a3, b0, b1, b2, b3);
    }

    /// <summary>A₂ᵀ = [[1,1,1,0],[0,1,−1,−1]] down two columns of t, times 3⁻¹, and the max of the four: one pooled cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Cell(Vector512<int> a0, Vector512<int> a1, Vector512<int> a2, Vector512<int> a3,
        Vector512<int> b0, Vector512<int> b1, Vector512<int> b2, Vector512<int> b3) =>
        Max4(Times16(a0 + a1 + a2), Times16(a1 - a2 - a3), Times16(b0 + b1 + b2), Times16(b1 - b2 - b3));
}
