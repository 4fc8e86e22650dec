using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The VNNI GEMM for activations with many zero quads (u8 after a ReLU whose zero point is 0: the
/// seed CNN's flattened conv + pool output has 39–59 % of its 4-byte groups all zero on MNIST):
/// each row's non-zero quads are listed, and only those meet the weights. A zero quad adds 0 to
/// every sum whatever the weights, so the int32 sums are exactly those of
/// <see cref="Int8MicroKernels"/> (the same bits; naive twin <c>Reference.NaiveInt8.Gemm</c>).
/// </summary>
/// <remarks>
/// The weights stay in <see cref="Int8Weights"/>' VNNI tile layout. Rows go 4 at a time: the quads
/// non-zero in any of the 4 are listed with <c>vpcompressd</c> (their offsets in a weight tile and
/// each row's 4 bytes), then every pair of tiles takes the listed quads through the 4 × 32-channel
/// step of <see cref="Int8MicroKernels.Vnni4x2"/> (each weight vector loaded once for 4 rows).
/// Images share their background, so 4 rows list few more quads than one: the seed's Dense at
/// batch 256 lists about 55 % of its quads. The rows after the last 4 (and batch 1) are listed one
/// by one and take 4 tiles (64 channels) per pass. Without branches on the data, the cost follows
/// the listed count; where it is high the rows take the dense kernel
/// (<see cref="MostListedPercentFourRows"/>, <see cref="MostNonZeroPercentOneRow"/>).
/// </remarks>
internal static unsafe class Int8GemmZeroQuads
{
    /// <summary>
    /// Whether this kernel runs these weights: the VNNI layout, whole 16-channel tiles, AVX-512 for
    /// the compress.
    /// </summary>
    public static bool Applies(Int8Weights w) =>
        w.Path == Int8Path.Vnni256 && Avx512F.IsSupported && AvxVnni.IsSupported && w.N > 0 && w.N % Int8Weights.TileN == 0;

    /// <summary>
    /// The share of listed quads (non-zero in any of 4 rows) up to which the 4-row kernel runs, in
    /// percent; above it the 4 rows take <see cref="Int8Gemm.VnniInPlace"/>. A listed quad costs
    /// about what a quad of the dense kernel costs (the same 16 <c>vpdpbusd</c> on the same 4
    /// weight vectors), plus the list.
    /// </summary>
    public const int MostListedPercentFourRows = 90;

    /// <summary>
    /// The same for a row on its own (batch 1, or the rows after the last 4): there each
    /// <c>vpdpbusd</c> loads its own weights, as the dense kernel's single rows do. Measured (one
    /// thread, shared 2-core Zen 5, K = 5,408, N = 128, CPU time): 1.50× faster at 41 % non-zero,
    /// 1.28× at 60 %, 1.11× at 80 %, 0.95× at 99 %.
    /// </summary>
    public const int MostNonZeroPercentOneRow = 90;

    /// <summary>
    /// C = A · W for <paramref name="rows"/> rows (<see cref="Applies"/> must hold). A's rows are read
    /// in place, 4 bytes at a time: the caller keeps <see cref="Int8Gemm.Slack"/> readable bytes after
    /// A's last value (the weights' zero padding makes them count for nothing).
    /// </summary>
    public static void MultiplyRows(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int quads = w.Quads, k = w.K, tiles = w.Tiles;
        long tileBytes = (long)quads * Int8Weights.TileN * 4;
        int entries = quads + 16;
        int* offsets = ListBuffer.Get(5L * entries);
        int* v0 = offsets + entries, v1 = v0 + entries, v2 = v1 + entries, v3 = v2 + entries;
        fixed (sbyte* pw = w.Bytes)
        {
            int r = 0;
            for (; r + 4 <= rows; r += 4)
            {
                byte* ar = a + (long)r * lda;
                int* cr = c + (long)r * ldc;
                int count = List4(ar, lda, quads, k, offsets, v0, v1, v2, v3);
                if ((long)count * 100 > (long)quads * MostListedPercentFourRows)
                {
                    Int8Gemm.VnniInPlace(ar, lda, 4, w, cr, ldc);
                    continue;
                }
                int t = 0;
                for (; t + 2 <= tiles; t += 2)
                    Rows4Tiles2(offsets, v0, v1, v2, v3, count, pw + t * tileBytes, tileBytes, cr + t * Int8Weights.TileN, ldc);
                if (t < tiles)
                    Rows4Tile1(offsets, v0, v1, v2, v3, count, pw + t * tileBytes, cr + t * Int8Weights.TileN, ldc);
            }
            for (; r < rows; r++)
            {
                byte* ar = a + (long)r * lda;
                int* cr = c + (long)r * ldc;
                int count = List(ar, 0, quads, k, v0, offsets);
                if ((long)count * 100 > (long)quads * MostNonZeroPercentOneRow)
                {
                    Int8Gemm.VnniInPlace(ar, lda, 1, w, cr, ldc);
                    continue;
                }
                int t = 0;
                for (; t + 4 <= tiles; t += 4)
                    Tiles4(v0, offsets, count, pw + t * tileBytes, tileBytes, cr + t * Int8Weights.TileN);
                for (; t < tiles; t++)
                    Tile1(v0, offsets, count, pw + t * tileBytes, cr + t * Int8Weights.TileN);
            }
        }
    }

    /// <summary>
    /// The non-zero quads among quads <paramref name="q0"/>..<paramref name="q1"/>−1 of a row, in
    /// order: their 4 bytes in <paramref name="values"/> and their offsets in a weight tile (64 bytes
    /// per quad) in <paramref name="offsets"/>; returns how many. Both lists need 16 spare entries;
    /// <paramref name="q0"/> is a multiple of 16.
    /// </summary>
    internal static int List(byte* row, int q0, int q1, int k, int* values, int* offsets)
    {
        int n = 0, q = q0;
        int whole = Math.Min(q1, k / 64 * 16); // quads in whole 64-byte loads inside the row
        var lanes = Lanes();
        for (; q + 16 <= whole; q += 16)
        {
            var v = Vector512.Load((int*)(row + 4 * q));
            var nonZero = ~Vector512.Equals(v, Vector512<int>.Zero);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, v).Store(values + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, lanes + Vector512.Create(64 * q)).Store(offsets + n);
            n += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
        }
        for (; q < q1; q++)
        {
            int v = Unsafe.ReadUnaligned<int>(row + 4 * q);
            values[n] = v;
            offsets[n] = 64 * q;
            n += v != 0 ? 1 : 0;
        }
        return n;
    }

    /// <summary>
    /// The quads of 4 rows (<paramref name="lda"/> apart) that are non-zero in any of them, in
    /// order: each row's 4 bytes in <paramref name="v0"/>..<paramref name="v3"/> and the offsets in
    /// a weight tile in <paramref name="offsets"/>; returns how many (lists with 16 spare entries).
    /// Images share their background, so 4 rows list few more quads than one.
    /// </summary>
    internal static int List4(byte* a, int lda, int quads, int k, int* offsets, int* v0, int* v1, int* v2, int* v3)
    {
        byte* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        int n = 0, q = 0;
        int whole = Math.Min(quads, k / 64 * 16);
        var lanes = Lanes();
        for (; q + 16 <= whole; q += 16)
        {
            var x0 = Vector512.Load((int*)(a + 4 * q));
            var x1 = Vector512.Load((int*)(a1 + 4 * q));
            var x2 = Vector512.Load((int*)(a2 + 4 * q));
            var x3 = Vector512.Load((int*)(a3 + 4 * q));
            var nonZero = ~Vector512.Equals(x0 | x1 | x2 | x3, Vector512<int>.Zero);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, lanes + Vector512.Create(64 * q)).Store(offsets + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x0).Store(v0 + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x1).Store(v1 + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x2).Store(v2 + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, x3).Store(v3 + n);
            n += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
        }
        for (; q < quads; q++)
        {
            int x0 = Unsafe.ReadUnaligned<int>(a + 4 * q), x1 = Unsafe.ReadUnaligned<int>(a1 + 4 * q);
            int x2 = Unsafe.ReadUnaligned<int>(a2 + 4 * q), x3 = Unsafe.ReadUnaligned<int>(a3 + 4 * q);
            offsets[n] = 64 * q;
            v0[n] = x0;
            v1[n] = x1;
            v2[n] = x2;
            v3[n] = x3;
            n += (x0 | x1 | x2 | x3) != 0 ? 1 : 0;
        }
        return n;
    }

    private static Vector512<int> Lanes() => Vector512.Create(0, 64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896, 960);

    /// <summary>
    /// 4 rows × two adjacent tiles (32 channels, 16 accumulators) over the listed quads: the
    /// <see cref="Int8MicroKernels.Vnni4x2"/> step, each weight vector loaded once for the 4 rows.
    /// </summary>
    private static void Rows4Tiles2(int* offsets, int* v0, int* v1, int* v2, int* v3, int count, sbyte* b, long tileBytes, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<int> c30 = default, c31 = default, c32 = default, c33 = default;
        sbyte* d = b + tileBytes;
        for (int i = 0; i < count; i++)
        {
            nint o = offsets[i];
            var b0 = Vector256.Load(b + o);
            var b1 = Vector256.Load(b + o + 32);
            var b2 = Vector256.Load(d + o);
            var b3 = Vector256.Load(d + o + 32);
            var x = Vector256.Create(v0[i]).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            c02 = AvxVnni.MultiplyWideningAndAdd(c02, x, b2);
            c03 = AvxVnni.MultiplyWideningAndAdd(c03, x, b3);
            x = Vector256.Create(v1[i]).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            c12 = AvxVnni.MultiplyWideningAndAdd(c12, x, b2);
            c13 = AvxVnni.MultiplyWideningAndAdd(c13, x, b3);
            x = Vector256.Create(v2[i]).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            c22 = AvxVnni.MultiplyWideningAndAdd(c22, x, b2);
            c23 = AvxVnni.MultiplyWideningAndAdd(c23, x, b3);
            x = Vector256.Create(v3[i]).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
            c32 = AvxVnni.MultiplyWideningAndAdd(c32, x, b2);
            c33 = AvxVnni.MultiplyWideningAndAdd(c33, x, b3);
        }
        int* r = c;
        c00.Store(r); c01.Store(r + 8); c02.Store(r + 16); c03.Store(r + 24);
        r += ldc;
        c10.Store(r); c11.Store(r + 8); c12.Store(r + 16); c13.Store(r + 24);
        r += ldc;
        c20.Store(r); c21.Store(r + 8); c22.Store(r + 16); c23.Store(r + 24);
        r += ldc;
        c30.Store(r); c31.Store(r + 8); c32.Store(r + 16); c33.Store(r + 24);
    }

    /// <summary>4 rows × one tile (16 channels) over the listed quads.</summary>
    private static void Rows4Tile1(int* offsets, int* v0, int* v1, int* v2, int* v3, int count, sbyte* b, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int i = 0; i < count; i++)
        {
            nint o = offsets[i];
            var b0 = Vector256.Load(b + o);
            var b1 = Vector256.Load(b + o + 32);
            var x = Vector256.Create(v0[i]).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            x = Vector256.Create(v1[i]).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            x = Vector256.Create(v2[i]).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            x = Vector256.Create(v3[i]).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
        }
        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
    }

    /// <summary>Four adjacent tiles (64 channels) of one row over its listed quads (8 accumulators).</summary>
    private static void Tiles4(int* values, int* offsets, int count, sbyte* b0, long tileBytes, int* c)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        sbyte* b1 = b0 + tileBytes, b2 = b1 + tileBytes, b3 = b2 + tileBytes;
        for (int i = 0; i < count; i++)
        {
            var x = Vector256.Create(values[i]).AsByte();
            nint o = offsets[i];
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b0 + o));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b0 + o + 32));
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, x, Vector256.Load(b1 + o));
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, x, Vector256.Load(b1 + o + 32));
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, x, Vector256.Load(b2 + o));
            c5 = AvxVnni.MultiplyWideningAndAdd(c5, x, Vector256.Load(b2 + o + 32));
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, x, Vector256.Load(b3 + o));
            c7 = AvxVnni.MultiplyWideningAndAdd(c7, x, Vector256.Load(b3 + o + 32));
        }
        c0.Store(c); c1.Store(c + 8); c2.Store(c + 16); c3.Store(c + 24);
        c4.Store(c + 32); c5.Store(c + 40); c6.Store(c + 48); c7.Store(c + 56);
    }

    /// <summary>One tile (16 channels) of one row over its listed quads.</summary>
    private static void Tile1(int* values, int* offsets, int count, sbyte* b, int* c)
    {
        Vector256<int> c0 = default, c1 = default;
        for (int i = 0; i < count; i++)
        {
            var x = Vector256.Create(values[i]).AsByte();
            nint o = offsets[i];
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b + o));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b + o + 32));
        }
        c0.Store(c);
        c1.Store(c + 8);
    }

    /// <summary>This thread's pinned buffer for the lists, grown to the largest size asked for and kept.</summary>
    private static class ListBuffer
    {
        [ThreadStatic] private static int[]? t_buffer;

        public static int* Get(long length)
        {
            var buffer = t_buffer;
            if (buffer is null || buffer.Length < length)
                t_buffer = buffer = GC.AllocateUninitializedArray<int>((int)Math.Min(Array.MaxLength, length), pinned: true);
            return (int*)Unsafe.AsPointer(ref buffer[0]);
        }
    }
}
