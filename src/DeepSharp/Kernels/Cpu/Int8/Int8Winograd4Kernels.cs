using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The transforms of <see cref="Int8Winograd4"/> (AVX-512BW): the input transform of 6×6 u8 windows
/// to int16 (V = Bᵀ d B, Lavin's Bᵀ) and the output transform of the 36 int32 channel sums of a tile
/// to its 4×4 outputs (24·Aᵀ·diag(1/s), then the division by 576 modulo 2³², exactly). The products
/// between them are <see cref="Int8WinogradKernels.Products4{TRows}"/>'s, as for F(2×2, 3×3).
/// </summary>
internal static unsafe class Int8Winograd4Kernels
{
    /// <summary>9⁻¹ modulo 2³²: 9 · 954,437,177 = 2 · 2³² + 1.</summary>
    internal const int InverseOf9 = 954_437_177;

    /// <summary>
    /// V = Bᵀ d B of one 6×6 window (rows <paramref name="rowStride"/> bytes apart, pixels
    /// <paramref name="channels"/> bytes apart, <paramref name="channels"/> u8 each), written as
    /// int16 at <paramref name="v"/> + position · <paramref name="positionStride"/> (shorts) + channel;
    /// the channels rounded up to a multiple of 32 with zeros. |V| ≤ 10 · 10 · 255 = 25,500.
    /// </summary>
    [SkipLocalsInit] // the column results are written before they are read
    public static void Input(byte* window, int rowStride, int channels, short* v, long positionStride)
    {
        short* t = stackalloc short[36 * 32];
        int c = 0;
        for (; c + 32 <= channels; c += 32) Transform(window + c, rowStride, channels, t, v + c, positionStride);
        if (c == channels) return;
        int rest = channels - c;
        if (rest == 16)
        {
            Transform16(window + c, rowStride, channels, t, v + c, positionStride); // 16 channels in place (the residual CNN's layers)
            return;
        }
        if (rest < 16)
        {
            // The last 1–15 channels: the window's bytes copied to a 6×6×16 block, zeros after them.
            byte* small = stackalloc byte[36 * 16];
            new Span<byte>(small, 36 * 16).Clear();
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                {
                    byte* src = window + (long)i * rowStride + j * channels + c;
                    for (int k = 0; k < rest; k++) small[(i * 6 + j) * 16 + k] = src[k];
                }
            Transform16(small, 6 * 16, 16, t, v + c, positionStride);
            return;
        }
        // The last 17–31 channels: the window's bytes copied to a 6×6×32 block, zeros after them.
        byte* block = stackalloc byte[36 * 32];
        new Span<byte>(block, 36 * 32).Clear();
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
            {
                byte* src = window + (long)i * rowStride + j * channels + c;
                for (int k = 0; k < rest; k++) block[(i * 6 + j) * 32 + k] = src[k];
            }
        Transform(block, 6 * 32, 32, t, v + c, positionStride);
    }

    /// <summary>32 channels of one window: Bᵀ down each column into <paramref name="t"/>, then along each row of it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform(byte* w, int rowStride, int step, short* t, short* v, long positionStride)
    {
        for (int j = 0; j < 6; j++)
        {
            byte* p = w + j * step;
            B(Load(p), Load(p + rowStride), Load(p + 2 * rowStride), Load(p + 3 * rowStride), Load(p + 4 * rowStride), Load(p + 5 * rowStride),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(t + (0 * 6 + j) * 32);
            o1.Store(t + (1 * 6 + j) * 32);
            o2.Store(t + (2 * 6 + j) * 32);
            o3.Store(t + (3 * 6 + j) * 32);
            o4.Store(t + (4 * 6 + j) * 32);
            o5.Store(t + (5 * 6 + j) * 32);
        }
        for (int r = 0; r < 6; r++)
        {
            short* row = t + r * 6 * 32;
            short* out0 = v + r * 6 * positionStride;
            B(Vector512.Load(row), Vector512.Load(row + 32), Vector512.Load(row + 64), Vector512.Load(row + 96), Vector512.Load(row + 128), Vector512.Load(row + 160),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(out0);
            o1.Store(out0 + positionStride);
            o2.Store(out0 + 2 * positionStride);
            o3.Store(out0 + 3 * positionStride);
            o4.Store(out0 + 4 * positionStride);
            o5.Store(out0 + 5 * positionStride);
        }
    }

    /// <summary>
    /// The int16 values per tile and position that <see cref="Input"/> writes for <paramref name="channels"/>
    /// channels: 32 per whole 32, then 16 for a rest of 1–16 channels, 32 for 17–31.
    /// </summary>
    public static int InputShorts(int channels)
    {
        int rest = channels % 32;
        return channels / 32 * 32 + (rest == 0 ? 0 : rest <= 16 ? 16 : 32);
    }

    /// <summary><see cref="Transform"/> for 16 channels on 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform16(byte* w, int rowStride, int step, short* t, short* v, long positionStride)
    {
        for (int j = 0; j < 6; j++)
        {
            byte* p = w + j * step;
            B(Load16(p), Load16(p + rowStride), Load16(p + 2 * rowStride), Load16(p + 3 * rowStride), Load16(p + 4 * rowStride), Load16(p + 5 * rowStride),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(t + (0 * 6 + j) * 16);
            o1.Store(t + (1 * 6 + j) * 16);
            o2.Store(t + (2 * 6 + j) * 16);
            o3.Store(t + (3 * 6 + j) * 16);
            o4.Store(t + (4 * 6 + j) * 16);
            o5.Store(t + (5 * 6 + j) * 16);
        }
        for (int r = 0; r < 6; r++)
        {
            short* row = t + r * 6 * 16;
            short* out0 = v + r * 6 * positionStride;
            B(Vector256.Load(row), Vector256.Load(row + 16), Vector256.Load(row + 32), Vector256.Load(row + 48), Vector256.Load(row + 64), Vector256.Load(row + 80),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5);
            o0.Store(out0);
            o1.Store(out0 + positionStride);
            o2.Store(out0 + 2 * positionStride);
            o3.Store(out0 + 3 * positionStride);
            o4.Store(out0 + 4 * positionStride);
            o5.Store(out0 + 5 * positionStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Load16(byte* p) => Avx2.ConvertToVector256Int16(Vector128.Load(p));

    /// <summary><see cref="B(Vector512{short}, Vector512{short}, Vector512{short}, Vector512{short}, Vector512{short}, Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short}, out Vector512{short})"/> on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void B(Vector256<short> x0, Vector256<short> x1, Vector256<short> x2, Vector256<short> x3, Vector256<short> x4, Vector256<short> x5,
        out Vector256<short> o0, out Vector256<short> o1, out Vector256<short> o2, out Vector256<short> o3, out Vector256<short> o4, out Vector256<short> o5)
    {
        var a = x4 - x2;
        var b = Vector256.ShiftLeft(x3 - x1, 1);
        var c = x4 - Vector256.ShiftLeft(x2, 2);
        var d = x3 - Vector256.ShiftLeft(x1, 2);
        o0 = Vector256.ShiftLeft(x0 - x2, 2) + a;
        o1 = c + d;
        o2 = c - d;
        o3 = a + b;
        o4 = a - b;
        o5 = Vector256.ShiftLeft(x1 - x3, 2) + (x5 - x3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<short> Load(byte* p) => Avx512BW.ConvertToVector512Int16(Vector256.Load(p));

    /// <summary>
    /// Lavin's Bᵀ = [[4,0,−5,0,1,0],[0,−4,−4,1,1,0],[0,4,−4,−1,1,0],[0,−2,−1,2,1,0],[0,2,−1,−2,1,0],[0,4,0,−5,0,1]]
    /// applied to x, in int16 (modulo 2¹⁶; the results fit, see <see cref="Int8Winograd4"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void B(Vector512<short> x0, Vector512<short> x1, Vector512<short> x2, Vector512<short> x3, Vector512<short> x4, Vector512<short> x5,
        out Vector512<short> o0, out Vector512<short> o1, out Vector512<short> o2, out Vector512<short> o3, out Vector512<short> o4, out Vector512<short> o5)
    {
        var a = x4 - x2;
        var b = Vector512.ShiftLeft(x3 - x1, 1);
        var c = x4 - Vector512.ShiftLeft(x2, 2);
        var d = x3 - Vector512.ShiftLeft(x1, 2);
        o0 = Vector512.ShiftLeft(x0 - x2, 2) + a;
        o1 = c + d;
        o2 = c - d;
        o3 = a + b;
        o4 = a - b;
        o5 = Vector512.ShiftLeft(x1 - x3, 2) + (x5 - x3);
    }

    /// <summary>
    /// 64·Y from 576·Y modulo 2³²: times 9⁻¹ modulo 2³² is 64·Y modulo 2³², which is 64·Y itself while
    /// |Y| &lt; 2²⁵. 64·Y is increasing in Y, so the pool's maxima are taken on it and shifted right by 6 after.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Times64(Vector512<int> x) => x * Vector512.Create(InverseOf9);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Max4(Vector512<int> a, Vector512<int> b, Vector512<int> c, Vector512<int> d) =>
        Vector512.ShiftRightArithmetic(Vector512.Max(Vector512.Max(a, b), Vector512.Max(c, d)), 6);

    /// <summary>
    /// The 2×2 max pool of one tile's 4×4 outputs for 16 output channels (its 36 positions
    /// <paramref name="positionStride"/> ints apart): the maxima of the exact direct sums Y of each
    /// quadrant; the right quadrants only where <paramref name="right"/>, the bottom ones only where
    /// <paramref name="bottom"/> (the others are left zero). In registers: the row transform twice,
    /// once for output columns 0–1 and once for 2–3, instead of one pass through a scratch block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputPooled(int* m, long positionStride, bool right, bool bottom,
        out Vector512<int> p00, out Vector512<int> p01, out Vector512<int> p10, out Vector512<int> p11)
    {
        // t[j][r] = Σ_s m[r][s] A′[s][j] for j = 0, 1, row by row of m; then Y's columns 0 and 1.
        Rows01(m, positionStride, out var a0, out var b0);
        Rows01(m + 6 * positionStride, positionStride, out var a1, out var b1);
        Rows01(m + 12 * positionStride, positionStride, out var a2, out var b2);
        Rows01(m + 18 * positionStride, positionStride, out var a3, out var b3);
        Rows01(m + 24 * positionStride, positionStride, out var a4, out var b4);
        Rows01(m + 30 * positionStride, positionStride, out var a5, out var b5);
        Quadrants(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5, bottom, out p00, out p10);
        if (!right)
        {
            p01 = default;
            p11 = default;
            return;
        }
        Rows23(m, positionStride, out a0, out b0);
        Rows23(m + 6 * positionStride, positionStride, out a1, out b1);
        Rows23(m + 12 * positionStride, positionStride, out a2, out b2);
        Rows23(m + 18 * positionStride, positionStride, out a3, out b3);
        Rows23(m + 24 * positionStride, positionStride, out a4, out b4);
        Rows23(m + 30 * positionStride, positionStride, out a5, out b5);
        Quadrants(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5, bottom, out p01, out p11);
    }

    /// <summary>
    /// The 4×4 outputs' exact direct sums Y of one tile for 16 output channels (its 36 positions
    /// <paramref name="positionStride"/> ints apart), output row i, column j stored at
    /// <paramref name="y"/> + i · <paramref name="rowStride"/> + j · <paramref name="pixelStride"/> for
    /// i &lt; <paramref name="rows"/>, j &lt; <paramref name="cols"/>, the first <paramref name="count"/> lanes: the unpooled form.
    /// </summary>
    public static void Output(int* m, long positionStride, int* y, long rowStride, int pixelStride, int rows, int cols, int count)
    {
        Rows01(m, positionStride, out var a0, out var b0);
        Rows01(m + 6 * positionStride, positionStride, out var a1, out var b1);
        Rows01(m + 12 * positionStride, positionStride, out var a2, out var b2);
        Rows01(m + 18 * positionStride, positionStride, out var a3, out var b3);
        Rows01(m + 24 * positionStride, positionStride, out var a4, out var b4);
        Rows01(m + 30 * positionStride, positionStride, out var a5, out var b5);
        Column(a0, a1, a2, a3, a4, a5, y, rowStride, rows, count);
        if (cols > 1) Column(b0, b1, b2, b3, b4, b5, y + pixelStride, rowStride, rows, count);
        if (cols <= 2) return;
        Rows23(m, positionStride, out a0, out b0);
        Rows23(m + 6 * positionStride, positionStride, out a1, out b1);
        Rows23(m + 12 * positionStride, positionStride, out a2, out b2);
        Rows23(m + 18 * positionStride, positionStride, out a3, out b3);
        Rows23(m + 24 * positionStride, positionStride, out a4, out b4);
        Rows23(m + 30 * positionStride, positionStride, out a5, out b5);
        Column(a0, a1, a2, a3, a4, a5, y + 2 * pixelStride, rowStride, rows, count);
        if (cols > 3) Column(b0, b1, b2, b3, b4, b5, y + 3 * pixelStride, rowStride, rows, count);
    }

    /// <summary>One output column: 24·Aᵀ·diag(1/s) down t's column, times 9⁻¹, shifted right by 6 (Y), its first <paramref name="rows"/> rows stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(Vector512<int> a0, Vector512<int> a1, Vector512<int> a2, Vector512<int> a3, Vector512<int> a4, Vector512<int> a5,
        int* y, long rowStride, int rows, int count)
    {
        var ap = a1 + a2;
        var ar = a3 + a4;
        var aq = Vector512.ShiftLeft(a1 - a2, 2);
        var asd = a3 - a4;
        Int8LaneStore.FirstLanes(Vector512.ShiftRightArithmetic(Times64(Vector512.ShiftLeft(a0, 2) + Vector512.ShiftLeft(a0, 1) + Vector512.ShiftLeft(ap, 2) + ar), 6), y, count);
        if (rows > 1) Int8LaneStore.FirstLanes(Vector512.ShiftRightArithmetic(Times64(aq + Vector512.ShiftLeft(asd, 1)), 6), y + rowStride, count);
        if (rows > 2) Int8LaneStore.FirstLanes(Vector512.ShiftRightArithmetic(Times64(Vector512.ShiftLeft(ap + ar, 2)), 6), y + 2 * rowStride, count);
        if (rows > 3)
            Int8LaneStore.FirstLanes(Vector512.ShiftRightArithmetic(Times64(aq + Vector512.ShiftLeft(asd, 3) + Vector512.ShiftLeft(a5, 4) + Vector512.ShiftLeft(a5, 3)), 6),
                y + 3 * rowStride, count);
    }

    /// <summary>Rows 0 and 1 of 24·Aᵀ·diag(1/s), [6,4,4,1,1,0] and [0,4,−4,2,−2,0], applied to one row of m (int32, modulo 2³²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Rows01(int* row, long stride, out Vector512<int> o0, out Vector512<int> o1)
    {
        var x0 = Vector512.Load(row);
        var x1 = Vector512.Load(row + stride);
        var x2 = Vector512.Load(row + 2 * stride);
        var x3 = Vector512.Load(row + 3 * stride);
        var x4 = Vector512.Load(row + 4 * stride);
        o0 = Vector512.ShiftLeft(x0, 2) + Vector512.ShiftLeft(x0, 1) + Vector512.ShiftLeft(x1 + x2, 2) + (x3 + x4);
        o1 = Vector512.ShiftLeft(x1 - x2, 2) + Vector512.ShiftLeft(x3 - x4, 1);
    }

    /// <summary>Rows 2 and 3 of 24·Aᵀ·diag(1/s), [0,4,4,4,4,0] and [0,4,−4,8,−8,24], applied to one row of m (int32, modulo 2³²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Rows23(int* row, long stride, out Vector512<int> o2, out Vector512<int> o3)
    {
        var x1 = Vector512.Load(row + stride);
        var x2 = Vector512.Load(row + 2 * stride);
        var x3 = Vector512.Load(row + 3 * stride);
        var x4 = Vector512.Load(row + 4 * stride);
        var x5 = Vector512.Load(row + 5 * stride);
        o2 = Vector512.ShiftLeft(x1 + x2 + x3 + x4, 2);
        o3 = Vector512.ShiftLeft(x1 - x2, 2) + Vector512.ShiftLeft(x3 - x4, 3) + Vector512.ShiftLeft(x5, 4) + Vector512.ShiftLeft(x5, 3);
    }

    /// <summary>
    /// Two adjacent output columns (t's columns <paramref name="a0"/>… and <paramref name="b0"/>…):
    /// 24·Aᵀ·diag(1/s) down each, times 9⁻¹, and the maxima of their top and (where
    /// <paramref name="bottom"/>) bottom 2×2 quadrants, shifted right by 6: the pooled sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quadrants(Vector512<int> a0, Vector512<int> a1, Vector512<int> a2, Vector512<int> a3, Vector512<int> a4, Vector512<int> a5,
        Vector512<int> b0, Vector512<int> b1, Vector512<int> b2, Vector512<int> b3, Vector512<int> b4, Vector512<int> b5, bool bottom,
        out Vector512<int> top, out Vector512<int> low)
    {
        var ap = a1 + a2;
        var ar = a3 + a4;
        var aq = Vector512.ShiftLeft(a1 - a2, 2);
        var asd = a3 - a4;
        var bp = b1 + b2;
        var br = b3 + b4;
        var bq = Vector512.ShiftLeft(b1 - b2, 2);
        var bsd = b3 - b4;
        var y0a = Times64(Vector512.ShiftLeft(a0, 2) + Vector512.ShiftLeft(a0, 1) + Vector512.ShiftLeft(ap, 2) + ar);
        var y1a = Times64(aq + Vector512.ShiftLeft(asd, 1));
        var y0b = Times64(Vector512.ShiftLeft(b0, 2) + Vector512.ShiftLeft(b0, 1) + Vector512.ShiftLeft(bp, 2) + br);
        var y1b = Times64(bq + Vector512.ShiftLeft(bsd, 1));
        top = Max4(y0a, y1a, y0b, y1b);
        if (!bottom)
        {
            low = default;
            return;
        }
        var y2a = Times64(Vector512.ShiftLeft(ap + ar, 2));
        var y3a = Times64(aq + Vector512.ShiftLeft(asd, 3) + Vector512.ShiftLeft(a5, 4) + Vector512.ShiftLeft(a5, 3));
        var y2b = Times64(Vector512.ShiftLeft(bp + br, 2));
        var y3b = Times64(bq + Vector512.ShiftLeft(bsd, 3) + Vector512.ShiftLeft(b5, 4) + Vector512.ShiftLeft(b5, 3));
        low = Max4(y2a, y3a, y2b, y3b);
    }
}
