using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The <c>vpmaddwd</c> GEMM on 512-bit vectors (<see cref="Int8Path.MultiplyAdd512"/>, CPUs with
/// AVX-512BW but no VNNI that .NET exposes, such as Zen 4): A's u8 rows are read in place, widened
/// to int16 pairs 16 at a time (<c>vpmovzxbw</c>) and listed — only the pairs non-zero in any of the
/// rows meet the weights. A zero pair adds 0 to every sum whatever the weights, so the int32 sums are
/// exactly the naive twin's (<c>Reference.NaiveInt8.Gemm</c>).
/// </summary>
/// <remarks>
/// The weights stay in <see cref="Int8Weights"/>' MultiplyAdd tile layout: per 16-channel tile, per
/// pair of k, one 64-byte vector of 16 × 2 int16. Rows go 4 at a time: the pairs non-zero in any of
/// the 4 are listed with <c>vpcompressd</c> (their offsets in a weight tile and each row's pair as
/// two int16 in an int32), then 4 tiles (64 channels) at a time take the listed pairs (then 2, then 1): per pair 4
/// weight loads and 4 broadcasts feed 16 <c>vpmaddwd</c> into 16 independent sums, so the step is
/// bound by <c>vpmaddwd</c>'s throughput (one 512-bit per cycle on Zen 4), not by loads. The rows
/// after the last 4 (batch 1) are listed one by one and take 4 tiles per pass. The list also replaces
/// packing A as int16: the cost follows the listed count, so dense rows run the same kernel (every
/// pair listed) at about the cost of a dense kernel of the same register block. A is never read past
/// a row's K bytes.
/// </remarks>
internal static unsafe class Int8GemmZeroPairs
{
    /// <summary>Whether this kernel runs these weights: the MultiplyAdd512 layout (AVX-512BW, so AVX-512F for the compress).</summary>
    public static bool Applies(Int8Weights w) => w.Path == Int8Path.MultiplyAdd512 && Avx512BW.IsSupported;

    /// <summary>Bytes from one weight tile's pair to the next (16 channels × 2 int16).</summary>
    private const int PairBytes = Int8Weights.TileN * 2 * sizeof(short);

    /// <summary>C = A · W for <paramref name="rows"/> rows of u8 (<see cref="Applies"/> must hold); C is overwritten.</summary>
    public static void MultiplyRows(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int pairs = w.Pairs, k = w.K, tiles = w.Tiles, n = w.N;
        long tileBytes = (long)pairs * PairBytes;
        int entries = pairs + 16;
        int* offsets = Int8Scratch.Ints(Int8Scratch.PackedA, 5L * entries);
        int* v0 = offsets + entries, v1 = v0 + entries, v2 = v1 + entries, v3 = v2 + entries;
        fixed (short* pw = w.Shorts)
        {
            byte* pb = (byte*)pw;
            int r = 0;
            for (; r + 4 <= rows; r += 4)
            {
                byte* ar = a + (long)r * lda;
                int* cr = c + (long)r * ldc;
                int count = List4(ar, lda, pairs, k, offsets, v0, v1, v2, v3);
                int t = 0;
                for (; (t + 4) * Int8Weights.TileN <= n; t += 4)
                    Rows4Tiles4(offsets, v0, v1, v2, v3, count, pb + t * tileBytes, tileBytes, cr + t * Int8Weights.TileN, ldc);
                if ((t + 2) * Int8Weights.TileN <= n)
                {
                    Rows4Tiles2(offsets, v0, v1, v2, v3, count, pb + t * tileBytes, tileBytes, cr + t * Int8Weights.TileN, ldc);
                    t += 2;
                }
                for (; t < tiles; t++)
                    Rows4Tile1(offsets, v0, v1, v2, v3, count, pb + t * tileBytes, cr + t * Int8Weights.TileN, ldc, Math.Min(Int8Weights.TileN, n - t * Int8Weights.TileN));
            }
            for (; r < rows; r++)
            {
                int* cr = c + (long)r * ldc;
                int count = List(a + (long)r * lda, pairs, k, v0, offsets);
                int t = 0;
                for (; (t + 4) * Int8Weights.TileN <= n; t += 4)
                    Tiles4(v0, offsets, count, pb + t * tileBytes, tileBytes, cr + t * Int8Weights.TileN);
                for (; t < tiles; t++)
                    Tile1(v0, offsets, count, pb + t * tileBytes, cr + t * Int8Weights.TileN, Math.Min(Int8Weights.TileN, n - t * Int8Weights.TileN));
            }
        }
    }

    /// <summary>
    /// The non-zero pairs of one row of <paramref name="k"/> bytes, in order: each pair as two int16 in
    /// <paramref name="values"/> and its offset in a weight tile (64 bytes per pair) in
    /// <paramref name="offsets"/>; returns how many. Both lists need 16 spare entries. An odd K's
    /// last pair holds its last byte and a zero.
    /// </summary>
    internal static int List(byte* row, int pairs, int k, int* values, int* offsets)
    {
        int n = 0, p = 0;
        var lanes = Lanes();
        for (; 2 * p + 32 <= k; p += 16)
        {
            var v = Widen(row + 2 * p);
            var nonZero = ~Vector512.Equals(v, Vector512<int>.Zero);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, v).Store(values + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, lanes + Vector512.Create(PairBytes * p)).Store(offsets + n);
            n += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
        }
        for (; p < pairs; p++)
        {
            int v = Pair(row, p, k);
            values[n] = v;
            offsets[n] = PairBytes * p;
            n += v != 0 ? 1 : 0;
        }
        return n;
    }

    /// <summary>
    /// The pairs of 4 rows (<paramref name="lda"/> apart) that are non-zero in any of them, in order:
    /// each row's pair in <paramref name="v0"/>..<paramref name="v3"/> and the offsets in a weight tile
    /// in <paramref name="offsets"/>; returns how many (lists with 16 spare entries). Images share
    /// their background, so 4 rows list few more pairs than one.
    /// </summary>
    internal static int List4(byte* a, int lda, int pairs, int k, int* offsets, int* v0, int* v1, int* v2, int* v3)
    {
        byte* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        int n = 0, p = 0;
        var lanes = Lanes();
        for (; 2 * p + 32 <= k; p += 16)
        {
            var x0 = Widen(a + 2 * p);
            var x1 = Widen(a1 + 2 * p);
            var x2 = Widen(a2 + 2 * p);
            var x3 = Widen(a3 + 2 * p);
            var nonZero = ~Vector512.Equals(x0 | x1 | x2 | x3, Vector512<int>.Zero);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, lanes + Vector512.Create(PairBytes * p)).Store(offsets + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x0).Store(v0 + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x1).Store(v1 + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x2).Store(v2 + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x3).Store(v3 + n);
            n += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
        }
        for (; p < pairs; p++)
        {
            int x0 = Pair(a, p, k), x1 = Pair(a1, p, k), x2 = Pair(a2, p, k), x3 = Pair(a3, p, k);
            offsets[n] = PairBytes * p;
            v0[n] = x0;
            v1[n] = x1;
            v2[n] = x2;
            v3[n] = x3;
            n += (x0 | x1 | x2 | x3) != 0 ? 1 : 0;
        }
        return n;
    }

    /// <summary>32 bytes of a row as 16 pairs of int16 (<c>vpmovzxbw</c>), one pair per int32 lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Widen(byte* at) => Avx512BW.ConvertToVector512Int16(Vector256.Load(at)).AsInt32();

    /// <summary>Pair <paramref name="p"/> of a row of <paramref name="k"/> bytes as two int16 (the second 0 past K).</summary>
    /// <remarks>Inlined: a K below 32 (a 3×3 one-channel convolution's K = 9) lists every pair here, 4 per group of rows.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pair(byte* row, int p, int k) => row[2 * p] | (2 * p + 1 < k ? row[2 * p + 1] << 16 : 0);

    private static Vector512<int> Lanes() => Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * PairBytes;

    /// <summary>4 rows × four adjacent full tiles (64 channels, 16 accumulators) over the listed pairs.</summary>
    private static void Rows4Tiles4(int* offsets, int* v0, int* v1, int* v2, int* v3, int count, byte* b, long tileBytes, int* c, int ldc)
    {
        Vector512<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<int> c30 = default, c31 = default, c32 = default, c33 = default;
        byte* b1 = b + tileBytes, b2 = b1 + tileBytes, b3 = b2 + tileBytes;
        for (int i = 0; i < count; i++)
        {
            nint o = offsets[i];
            var w0 = Vector512.Load((short*)(b + o));
            var w1 = Vector512.Load((short*)(b1 + o));
            var w2 = Vector512.Load((short*)(b2 + o));
            var w3 = Vector512.Load((short*)(b3 + o));
            var x = Vector512.Create(v0[i]).AsInt16();
            c00 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c01 += Avx512BW.MultiplyAddAdjacent(x, w1);
            c02 += Avx512BW.MultiplyAddAdjacent(x, w2);
            c03 += Avx512BW.MultiplyAddAdjacent(x, w3);
            x = Vector512.Create(v1[i]).AsInt16();
            c10 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c11 += Avx512BW.MultiplyAddAdjacent(x, w1);
            c12 += Avx512BW.MultiplyAddAdjacent(x, w2);
            c13 += Avx512BW.MultiplyAddAdjacent(x, w3);
            x = Vector512.Create(v2[i]).AsInt16();
            c20 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c21 += Avx512BW.MultiplyAddAdjacent(x, w1);
            c22 += Avx512BW.MultiplyAddAdjacent(x, w2);
            c23 += Avx512BW.MultiplyAddAdjacent(x, w3);
            x = Vector512.Create(v3[i]).AsInt16();
            c30 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c31 += Avx512BW.MultiplyAddAdjacent(x, w1);
            c32 += Avx512BW.MultiplyAddAdjacent(x, w2);
            c33 += Avx512BW.MultiplyAddAdjacent(x, w3);
        }
        int* r = c;
        c00.Store(r); c01.Store(r + 16); c02.Store(r + 32); c03.Store(r + 48);
        r += ldc;
        c10.Store(r); c11.Store(r + 16); c12.Store(r + 32); c13.Store(r + 48);
        r += ldc;
        c20.Store(r); c21.Store(r + 16); c22.Store(r + 32); c23.Store(r + 48);
        r += ldc;
        c30.Store(r); c31.Store(r + 16); c32.Store(r + 32); c33.Store(r + 48);
    }

    /// <summary>
    /// 4 rows × two adjacent full tiles (32 channels, 8 accumulators) over the listed pairs: the
    /// convolutions' 32-channel layers (and the 2 tiles after the last 4) load each broadcast once
    /// for 2 tiles instead of once per tile.
    /// </summary>
    private static void Rows4Tiles2(int* offsets, int* v0, int* v1, int* v2, int* v3, int count, byte* b, long tileBytes, int* c, int ldc)
    {
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<int> c20 = default, c21 = default, c30 = default, c31 = default;
        byte* b1 = b + tileBytes;
        for (int i = 0; i < count; i++)
        {
            nint o = offsets[i];
            var w0 = Vector512.Load((short*)(b + o));
            var w1 = Vector512.Load((short*)(b1 + o));
            var x = Vector512.Create(v0[i]).AsInt16();
            c00 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c01 += Avx512BW.MultiplyAddAdjacent(x, w1);
            x = Vector512.Create(v1[i]).AsInt16();
            c10 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c11 += Avx512BW.MultiplyAddAdjacent(x, w1);
            x = Vector512.Create(v2[i]).AsInt16();
            c20 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c21 += Avx512BW.MultiplyAddAdjacent(x, w1);
            x = Vector512.Create(v3[i]).AsInt16();
            c30 += Avx512BW.MultiplyAddAdjacent(x, w0);
            c31 += Avx512BW.MultiplyAddAdjacent(x, w1);
        }
        c00.Store(c); c01.Store(c + 16);
        c10.Store(c + ldc); c11.Store(c + ldc + 16);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16);
    }

    /// <summary>4 rows × one tile over the listed pairs; the first <paramref name="cols"/> channels stored.</summary>
    private static void Rows4Tile1(int* offsets, int* v0, int* v1, int* v2, int* v3, int count, byte* b, int* c, int ldc, int cols)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int i = 0; i < count; i++)
        {
            var w0 = Vector512.Load((short*)(b + offsets[i]));
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v0[i]).AsInt16(), w0);
            c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v1[i]).AsInt16(), w0);
            c2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v2[i]).AsInt16(), w0);
            c3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(v3[i]).AsInt16(), w0);
        }
        Int8LaneStore.FirstLanes(c0, c, cols);
        Int8LaneStore.FirstLanes(c1, c + ldc, cols);
        Int8LaneStore.FirstLanes(c2, c + 2 * ldc, cols);
        Int8LaneStore.FirstLanes(c3, c + 3 * ldc, cols);
    }

    /// <summary>One row × four adjacent full tiles (64 channels) over its listed pairs, 4 independent sums.</summary>
    private static void Tiles4(int* values, int* offsets, int count, byte* b, long tileBytes, int* c)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default;
        byte* b1 = b + tileBytes, b2 = b1 + tileBytes, b3 = b2 + tileBytes;
        for (int i = 0; i < count; i++)
        {
            var x = Vector512.Create(values[i]).AsInt16();
            nint o = offsets[i];
            c0 += Avx512BW.MultiplyAddAdjacent(x, Vector512.Load((short*)(b + o)));
            c1 += Avx512BW.MultiplyAddAdjacent(x, Vector512.Load((short*)(b1 + o)));
            c2 += Avx512BW.MultiplyAddAdjacent(x, Vector512.Load((short*)(b2 + o)));
            c3 += Avx512BW.MultiplyAddAdjacent(x, Vector512.Load((short*)(b3 + o)));
        }
        c0.Store(c); c1.Store(c + 16); c2.Store(c + 32); c3.Store(c + 48);
    }

    /// <summary>One row × one tile over its listed pairs; the first <paramref name="cols"/> channels stored.</summary>
    private static void Tile1(int* values, int* offsets, int count, byte* b, int* c, int cols)
    {
        Vector512<int> c0 = default, c1 = default;
        int i = 0;
        for (; i + 2 <= count; i += 2)
        {
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(values[i]).AsInt16(), Vector512.Load((short*)(b + offsets[i])));
            c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(values[i + 1]).AsInt16(), Vector512.Load((short*)(b + offsets[i + 1])));
        }
        if (i < count)
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(values[i]).AsInt16(), Vector512.Load((short*)(b + offsets[i])));
        Int8LaneStore.FirstLanes(c0 + c1, c, cols);
    }
}
