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
        // The last 1–31 channels: the window's bytes copied to a 6×6×32 block, zeros after them.
        byte* block = stackalloc byte[36 * 32];
        new Span<byte>(block, 36 * 32).Clear();
        int rest = channels - c;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Load(byte* p) => Avx512BW.ConvertToVector512Int16(Vector256.Load(p));

    /// <summary>
    /// Lavin's Bᵀ = [[4,0,−5,0,1,0],[0,−4,−4,1,1,0],[0,4,−4,−1,1,0],[0,−2,−1,2,1,0],[0,2,−1,−2,1,0],[0,4,0,−5,0,1]]
    /// applied to x, in int16 (modulo 2¹⁶; the results fit, see <see cref="Int8Winograd4"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void B(Vector512<short> x0, Vector512<short> x1, Vector512<short> x2, Vector512<short> x3, Vector512<short> x4, Vector512<short> x5,
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
    /// 24·Aᵀ·diag(1/s) = [[6,4,4,1,1,0],[0,4,−4,2,−2,0],[0,4,4,4,4,0],[0,4,−4,8,−8,24]] applied to x, in int32 (modulo 2³²).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void A(Vector512<int> x0, Vector512<int> x1, Vector512<int> x2, Vector512<int> x3, Vector512<int> x4, Vector512<int> x5,
        out Vector512<int> o0, out Vector512<int> o1, out Vector512<int> o2, out Vector512<int> o3)
    {
        var p = x1 + x2;
        var q = Vector512.ShiftLeft(x1 - x2, 2);
        var r = x3 + x4;
        var s = x3 - x4;
        o0 = Vector512.ShiftLeft(x0, 2) + Vector512.ShiftLeft(x0, 1) + Vector512.ShiftLeft(p, 2) + r;
        o1 = q + Vector512.ShiftLeft(s, 1);
        o2 = Vector512.ShiftLeft(p + r, 2);
        o3 = q + Vector512.ShiftLeft(s, 3) + Vector512.ShiftLeft(x5, 4) + Vector512.ShiftLeft(x5, 3);
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
    /// quadrant. <paramref name="t"/>: 24 × 16 ints of scratch.
    /// </summary>
    [SkipLocalsInit]
    public static void OutputPooled(int* m, long positionStride, int* t, out Vector512<int> p00, out Vector512<int> p01, out Vector512<int> p10, out Vector512<int> p11)
    {
        // t[j][r] = Σ_s m[r][s] A′[s][j], row by row of m.
        for (int r = 0; r < 6; r++)
        {
            int* row = m + r * 6 * positionStride;
            A(Vector512.Load(row), Vector512.Load(row + positionStride), Vector512.Load(row + 2 * positionStride), Vector512.Load(row + 3 * positionStride),
                Vector512.Load(row + 4 * positionStride), Vector512.Load(row + 5 * positionStride), out var o0, out var o1, out var o2, out var o3);
            o0.Store(t + (0 * 6 + r) * 16);
            o1.Store(t + (1 * 6 + r) * 16);
            o2.Store(t + (2 * 6 + r) * 16);
            o3.Store(t + (3 * 6 + r) * 16);
        }
        // Y[i][j] = Σ_r A′ᵀ[i][r] t[j][r], column j by column j; the quadrants' maxima as they come.
        Column(t, 0, out var y00, out var y10, out var y20, out var y30);
        Column(t, 1, out var y01, out var y11, out var y21, out var y31);
        p00 = Max4(y00, y10, y01, y11);
        p10 = Max4(y20, y30, y21, y31);
        Column(t, 2, out var y02, out var y12, out var y22, out var y32);
        Column(t, 3, out var y03, out var y13, out var y23, out var y33);
        p01 = Max4(y02, y12, y03, y13);
        p11 = Max4(y22, y32, y23, y33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(int* t, int j, out Vector512<int> y0, out Vector512<int> y1, out Vector512<int> y2, out Vector512<int> y3)
    {
        int* c = t + j * 6 * 16;
        A(Vector512.Load(c), Vector512.Load(c + 16), Vector512.Load(c + 32), Vector512.Load(c + 48), Vector512.Load(c + 64), Vector512.Load(c + 80),
            out var o0, out var o1, out var o2, out var o3);
        y0 = Times64(o0);
        y1 = Times64(o1);
        y2 = Times64(o2);
        y3 = Times64(o3);
    }
}
