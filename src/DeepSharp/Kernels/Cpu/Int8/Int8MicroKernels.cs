using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The int8 GEMM's inner loops: 4 rows (or 1) of packed activations times one 16-channel tile of
/// <see cref="Int8Weights"/>, int32 sums stored (not added) to C. <c>cols</c> ≤ 16 channels are kept.
/// </summary>
internal static unsafe class Int8MicroKernels
{
    /// <summary>vpdpbusd: a rows are u8 with a stride of 4·quads bytes; b is one tile, 64 bytes per quad.</summary>
    public static void Vnni4(byte* a, int lda, sbyte* b, int quads, int* c, int ldc, int cols)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        byte* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int q = 0; q < quads; q++, b += 64)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + 4 * q)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + 4 * q)).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + 4 * q)).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + 4 * q)).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
        }
        Store(c00, c01, c, cols);
        Store(c10, c11, c + ldc, cols);
        Store(c20, c21, c + 2 * ldc, cols);
        Store(c30, c31, c + 3 * ldc, cols);
    }

    /// <summary>
    /// <see cref="Vnni4"/> over two adjacent full tiles at once (32 channels, 16 accumulators): each
    /// broadcast of a row's quad feeds four dot products instead of two, and small-K convolutions
    /// (K = 9 for a 3×3 kernel over one channel) make half as many calls.
    /// </summary>
    public static void Vnni4x2(byte* a, int lda, sbyte* b, int quads, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<int> c30 = default, c31 = default, c32 = default, c33 = default;
        byte* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        sbyte* d = b + (long)quads * 64;
        for (int q = 0; q < quads; q++, b += 64, d += 64)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var b2 = Vector256.Load(d);
            var b3 = Vector256.Load(d + 32);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + 4 * q)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            c02 = AvxVnni.MultiplyWideningAndAdd(c02, x, b2);
            c03 = AvxVnni.MultiplyWideningAndAdd(c03, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + 4 * q)).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            c12 = AvxVnni.MultiplyWideningAndAdd(c12, x, b2);
            c13 = AvxVnni.MultiplyWideningAndAdd(c13, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + 4 * q)).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            c22 = AvxVnni.MultiplyWideningAndAdd(c22, x, b2);
            c23 = AvxVnni.MultiplyWideningAndAdd(c23, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + 4 * q)).AsByte();
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

    /// <summary>One row of <see cref="Vnni4"/>.</summary>
    public static void Vnni1(byte* a, sbyte* b, int quads, int* c, int cols)
    {
        Vector256<int> c0 = default, c1 = default;
        for (int q = 0; q < quads; q++, b += 64)
        {
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + 4 * q)).AsByte();
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b + 32));
        }
        Store(c0, c1, c, cols);
    }

    /// <summary>
    /// One row × four adjacent full tiles (64 channels): eight independent accumulators, so that a
    /// single row (batch 1) is bound by the weights' stream, not by vpdpbusd's latency as
    /// <see cref="Vnni1"/>'s two dependent chains are.
    /// </summary>
    public static void Vnni1x4(byte* a, sbyte* b, int quads, int* c)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<int> c4 = default, c5 = default, c6 = default, c7 = default;
        long tile = (long)quads * 64;
        sbyte* b1 = b + tile, b2 = b1 + tile, b3 = b2 + tile;
        for (int q = 0; q < quads; q++, b += 64, b1 += 64, b2 += 64, b3 += 64)
        {
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + 4 * q)).AsByte();
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b + 32));
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, x, Vector256.Load(b1));
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, x, Vector256.Load(b1 + 32));
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, x, Vector256.Load(b2));
            c5 = AvxVnni.MultiplyWideningAndAdd(c5, x, Vector256.Load(b2 + 32));
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, x, Vector256.Load(b3));
            c7 = AvxVnni.MultiplyWideningAndAdd(c7, x, Vector256.Load(b3 + 32));
        }
        c0.Store(c); c1.Store(c + 8); c2.Store(c + 16); c3.Store(c + 24);
        c4.Store(c + 32); c5.Store(c + 40); c6.Store(c + 48); c7.Store(c + 56);
    }

    /// <summary>vpmaddwd on 256 bits: a rows are int16 with a stride of 2·pairs; b is one tile, 32 int16 per pair.</summary>
    public static void MultiplyAdd256x4(short* a, int lda, short* b, int pairs, int* c, int ldc, int cols)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        short* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < pairs; p++, b += 32)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 16);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + 2 * p)).AsInt16();
            c00 += Avx2.MultiplyAddAdjacent(x, b0);
            c01 += Avx2.MultiplyAddAdjacent(x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + 2 * p)).AsInt16();
            c10 += Avx2.MultiplyAddAdjacent(x, b0);
            c11 += Avx2.MultiplyAddAdjacent(x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + 2 * p)).AsInt16();
            c20 += Avx2.MultiplyAddAdjacent(x, b0);
            c21 += Avx2.MultiplyAddAdjacent(x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + 2 * p)).AsInt16();
            c30 += Avx2.MultiplyAddAdjacent(x, b0);
            c31 += Avx2.MultiplyAddAdjacent(x, b1);
        }
        Store(c00, c01, c, cols);
        Store(c10, c11, c + ldc, cols);
        Store(c20, c21, c + 2 * ldc, cols);
        Store(c30, c31, c + 3 * ldc, cols);
    }

    /// <summary>One row of <see cref="MultiplyAdd256x4"/>.</summary>
    public static void MultiplyAdd256x1(short* a, short* b, int pairs, int* c, int cols)
    {
        Vector256<int> c0 = default, c1 = default;
        for (int p = 0; p < pairs; p++, b += 32)
        {
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + 2 * p)).AsInt16();
            c0 += Avx2.MultiplyAddAdjacent(x, Vector256.Load(b));
            c1 += Avx2.MultiplyAddAdjacent(x, Vector256.Load(b + 16));
        }
        Store(c0, c1, c, cols);
    }

    private static void Store(Vector256<int> lo, Vector256<int> hi, int* c, int cols)
    {
        if (cols == Int8Weights.TileN)
        {
            lo.Store(c);
            hi.Store(c + 8);
            return;
        }
        int* tmp = stackalloc int[Int8Weights.TileN];
        lo.Store(tmp);
        hi.Store(tmp + 8);
        for (int j = 0; j < cols; j++) c[j] = tmp[j];
    }
}
