using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>How many tiles (rows of the products) one call of <see cref="Int8WinogradKernels"/> sums: a constant per type, so the JIT drops the unused rows.</summary>
internal interface ITileRows
{
    /// <summary>The row count, 1 to 6.</summary>
    static abstract int Count { get; }
}

/// <summary>One tile per call.</summary>
internal readonly struct OneTile : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 1;
}

/// <summary>Two tiles per call.</summary>
internal readonly struct TwoTiles : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 2;
}

/// <summary>Three tiles per call.</summary>
internal readonly struct ThreeTiles : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 3;
}

/// <summary>Four tiles per call.</summary>
internal readonly struct FourTiles : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 4;
}

/// <summary>Five tiles per call.</summary>
internal readonly struct FiveTiles : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 5;
}

/// <summary>Six tiles per call.</summary>
internal readonly struct SixTiles : ITileRows
{
    /// <inheritdoc/>
    public static int Count => 6;
}

/// <summary>
/// The inner loops of <see cref="Int8Winograd"/> (AVX-512BW): the input transform of 4×4 u8
/// windows to int16, the products of transformed tiles and weights summed over input channel pairs
/// with <c>vpmaddwd</c> (int32 sums), and the output transform. All integer, all exact.
/// </summary>
internal static unsafe class Int8WinogradKernels
{
    /// <summary>
    /// V = Bᵀ d B of one 4×4 window (rows <paramref name="rowStride"/> bytes apart, pixels
    /// <paramref name="channels"/> bytes apart, <paramref name="channels"/> u8 each), written as
    /// int16 at <paramref name="v"/> + position · <paramref name="positionStride"/> (shorts) + channel;
    /// the channels are rounded up to a multiple of 32 with zeros. |V| ≤ 4 · 255 = 1020.
    /// </summary>
    public static void Input(byte* window, int rowStride, int channels, short* v, long positionStride)
    {
        int c = 0;
        for (; c + 32 <= channels; c += 32) Transform(window + c, rowStride, channels, v + c, positionStride);
        if (c == channels) return;
        // The last 1–31 channels: the window's bytes copied to a 4×4×32 block, zeros after them.
        byte* block = stackalloc byte[16 * 32];
        new Span<byte>(block, 16 * 32).Clear();
        int rest = channels - c;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                byte* src = window + (long)i * rowStride + j * channels + c;
                for (int k = 0; k < rest; k++) block[(i * 4 + j) * 32 + k] = src[k];
            }
        Transform(block, 4 * 32, 32, v + c, positionStride);
    }

    /// <summary>32 channels of one window: the row transform, then the column transform, in int16 (|·| ≤ 1020).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform(byte* w, int rowStride, int step, short* v, long positionStride)
    {
        // t[r][j] = Σ_a Bᵀ[r][a] d[a][j], column by column.
        Column(w, rowStride, out var t00, out var t10, out var t20, out var t30);
        Column(w + step, rowStride, out var t01, out var t11, out var t21, out var t31);
        Column(w + 2 * step, rowStride, out var t02, out var t12, out var t22, out var t32);
        Column(w + 3 * step, rowStride, out var t03, out var t13, out var t23, out var t33);
        // V[r][s] = Σ_j t[r][j] Bᵀ[s][j], position r·4 + s.
        Row(t00, t01, t02, t03, v, positionStride);
        Row(t10, t11, t12, t13, v + 4 * positionStride, positionStride);
        Row(t20, t21, t22, t23, v + 8 * positionStride, positionStride);
        Row(t30, t31, t32, t33, v + 12 * positionStride, positionStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(byte* p, int rowStride, out Vector512<short> t0, out Vector512<short> t1, out Vector512<short> t2, out Vector512<short> t3)
    {
        var d0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(p));
        var d1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(p + rowStride));
        var d2 = Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 2 * rowStride));
        var d3 = Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 3 * rowStride));
        t0 = d0 - d2;
        t1 = d1 + d2;
        t2 = d2 - d1;
        t3 = d1 - d3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(Vector512<short> t0, Vector512<short> t1, Vector512<short> t2, Vector512<short> t3, short* v, long positionStride)
    {
        (t0 - t2).Store(v);
        (t1 + t2).Store(v + positionStride);
        (t2 - t1).Store(v + 2 * positionStride);
        (t1 - t3).Store(v + 3 * positionStride);
    }

    /// <summary>
    /// One position's products for <typeparamref name="TRows"/> tiles × 4 tiles of 16 output
    /// channels: m[i][o] = Σ_p V[i][p] · U[p][o] over the <paramref name="pairs"/> pairs of input
    /// channels (V's row i at <paramref name="v"/> + i · <paramref name="vStride"/> ints, one int
    /// per pair; U's pair p at <paramref name="u"/> + p · <paramref name="uStride"/> shorts), stored
    /// (not added) to m's row i at <paramref name="m"/> + i · <paramref name="ldm"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // inlined into a large caller, the accumulators would spill
    public static void Products4<TRows>(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm) where TRows : struct, ITileRows
    {
        Vector512<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<int> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<int> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<int> c50 = default, c51 = default, c52 = default, c53 = default;
        int* v1 = v + vStride, v2 = v1 + vStride, v3 = v2 + vStride, v4 = v3 + vStride, v5 = v4 + vStride;
        for (int p = 0; p < pairs; p++, u += uStride)
        {
            var b0 = Vector512.Load(u);
            var b1 = Vector512.Load(u + 32);
            var b2 = Vector512.Load(u + 64);
            var b3 = Vector512.Load(u + 96);
            var x = Vector512.Create(v[p]).AsInt16();
            c00 += Avx512BW.MultiplyAddAdjacent(x, b0);
            c01 += Avx512BW.MultiplyAddAdjacent(x, b1);
            c02 += Avx512BW.MultiplyAddAdjacent(x, b2);
            c03 += Avx512BW.MultiplyAddAdjacent(x, b3);
            if (TRows.Count > 1)
            {
                x = Vector512.Create(v1[p]).AsInt16();
                c10 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c11 += Avx512BW.MultiplyAddAdjacent(x, b1);
                c12 += Avx512BW.MultiplyAddAdjacent(x, b2);
                c13 += Avx512BW.MultiplyAddAdjacent(x, b3);
            }
            if (TRows.Count > 2)
            {
                x = Vector512.Create(v2[p]).AsInt16();
                c20 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c21 += Avx512BW.MultiplyAddAdjacent(x, b1);
                c22 += Avx512BW.MultiplyAddAdjacent(x, b2);
                c23 += Avx512BW.MultiplyAddAdjacent(x, b3);
            }
            if (TRows.Count > 3)
            {
                x = Vector512.Create(v3[p]).AsInt16();
                c30 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c31 += Avx512BW.MultiplyAddAdjacent(x, b1);
                c32 += Avx512BW.MultiplyAddAdjacent(x, b2);
                c33 += Avx512BW.MultiplyAddAdjacent(x, b3);
            }
            if (TRows.Count > 4)
            {
                x = Vector512.Create(v4[p]).AsInt16();
                c40 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c41 += Avx512BW.MultiplyAddAdjacent(x, b1);
                c42 += Avx512BW.MultiplyAddAdjacent(x, b2);
                c43 += Avx512BW.MultiplyAddAdjacent(x, b3);
            }
            if (TRows.Count > 5)
            {
                x = Vector512.Create(v5[p]).AsInt16();
                c50 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c51 += Avx512BW.MultiplyAddAdjacent(x, b1);
                c52 += Avx512BW.MultiplyAddAdjacent(x, b2);
                c53 += Avx512BW.MultiplyAddAdjacent(x, b3);
            }
        }
        Store4(c00, c01, c02, c03, m);
        if (TRows.Count > 1) Store4(c10, c11, c12, c13, m + ldm);
        if (TRows.Count > 2) Store4(c20, c21, c22, c23, m + 2 * ldm);
        if (TRows.Count > 3) Store4(c30, c31, c32, c33, m + 3 * ldm);
        if (TRows.Count > 4) Store4(c40, c41, c42, c43, m + 4 * ldm);
        if (TRows.Count > 5) Store4(c50, c51, c52, c53, m + 5 * ldm);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(Vector512<int> a, Vector512<int> b, Vector512<int> c, Vector512<int> d, int* m)
    {
        a.Store(m);
        b.Store(m + 16);
        c.Store(m + 32);
        d.Store(m + 48);
    }

    /// <summary>The same for one tile of 16 output channels.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Products1<TRows>(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm) where TRows : struct, ITileRows
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        int* v1 = v + vStride, v2 = v1 + vStride, v3 = v2 + vStride, v4 = v3 + vStride, v5 = v4 + vStride;
        for (int p = 0; p < pairs; p++, u += uStride)
        {
            var b = Vector512.Load(u);
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v[p]).AsInt16(), b);
            if (TRows.Count > 1) c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v1[p]).AsInt16(), b);
            if (TRows.Count > 2) c2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v2[p]).AsInt16(), b);
            if (TRows.Count > 3) c3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v3[p]).AsInt16(), b);
            if (TRows.Count > 4) c4 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v4[p]).AsInt16(), b);
            if (TRows.Count > 5) c5 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v5[p]).AsInt16(), b);
        }
        c0.Store(m);
        if (TRows.Count > 1) c1.Store(m + ldm);
        if (TRows.Count > 2) c2.Store(m + 2 * ldm);
        if (TRows.Count > 3) c3.Store(m + 3 * ldm);
        if (TRows.Count > 4) c4.Store(m + 4 * ldm);
        if (TRows.Count > 5) c5.Store(m + 5 * ldm);
    }

    /// <summary>
    /// Y = Aᵀ m A / 4 for 16 output channels of one tile (its 16 positions
    /// <paramref name="positionStride"/> ints apart): the 2×2 outputs' direct sums, exactly
    /// (<see cref="Int8Winograd"/> proves that Aᵀ m A is 4 × the sum and fits an int32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output(int* m, long positionStride, out Vector512<int> y00, out Vector512<int> y01, out Vector512<int> y10, out Vector512<int> y11)
    {
        // s[i][c] = Σ_r Aᵀ[i][r] m[r][c]
        var m1 = Vector512.Load(m + positionStride);
        var m2 = Vector512.Load(m + 2 * positionStride);
        var m5 = Vector512.Load(m + 5 * positionStride);
        var m6 = Vector512.Load(m + 6 * positionStride);
        var m9 = Vector512.Load(m + 9 * positionStride);
        var m10 = Vector512.Load(m + 10 * positionStride);
        var s01 = m1 + m5 + m9;
        var s11 = m5 - m9 - Vector512.Load(m + 13 * positionStride);
        var s02 = m2 + m6 + m10;
        var s12 = m6 - m10 - Vector512.Load(m + 14 * positionStride);
        var m4 = Vector512.Load(m + 4 * positionStride);
        var m8 = Vector512.Load(m + 8 * positionStride);
        var s00 = Vector512.Load(m) + m4 + m8;
        var s10 = m4 - m8 - Vector512.Load(m + 12 * positionStride);
        var m7 = Vector512.Load(m + 7 * positionStride);
        var m11 = Vector512.Load(m + 11 * positionStride);
        var s03 = Vector512.Load(m + 3 * positionStride) + m7 + m11;
        var s13 = m7 - m11 - Vector512.Load(m + 15 * positionStride);
        // Y[i][j] = Σ_c s[i][c] A[c][j], divided by 4 (exact: every sum is a multiple of 4).
        y00 = Vector512.ShiftRightArithmetic(s00 + s01 + s02, 2);
        y01 = Vector512.ShiftRightArithmetic(s01 - s02 - s03, 2);
        y10 = Vector512.ShiftRightArithmetic(s10 + s11 + s12, 2);
        y11 = Vector512.ShiftRightArithmetic(s11 - s12 - s13, 2);
    }
}
