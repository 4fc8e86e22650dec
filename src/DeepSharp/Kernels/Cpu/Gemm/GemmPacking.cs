using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the micro-kernels' panel order, zero-padding the last
/// panel so that the kernels always see full Mr / Nr panels.
/// </summary>
/// <remarks>
/// Packed A: panels of <c>mr</c> rows; within a panel, for each p the mr values of column p.
/// Packed B: panels of <c>nr</c> columns; within a panel, for each p the nr values of row p.
/// The strided cases (A not transposed, B transposed) gather; the others copy contiguous runs
/// (wide B panels: whole source rows spread over the panels, see SpreadRows).
/// Reading B in place instead of packing it (the kernel's 32 columns ldb apart per k step), for
/// regions of at most 256 rows where packing B costs the most, measured 7–24 % slower on Intel
/// (isgemm3: each tile then walks hundreds of rows 0.5–2 KB apart, a new page every few steps).
/// </remarks>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[0..rows, 0..kc]. <paramref name="a"/> points at op(A)[0, 0]: element (i, p) is
    /// a[i·lda + p], or a[p·lda + i] when transposed.
    /// </summary>
    public static void PackA(bool transA, float* a, nint lda, int rows, int kc, int mr, float* dst)
    {
        for (int i0 = 0; i0 < rows; i0 += mr, dst += mr * kc)
        {
            int r = Math.Min(mr, rows - i0);
            if (transA)
                CopyRuns(a + i0, lda, r, kc, mr, dst);
            else
                Gather(a + i0 * lda, lda, r, kc, mr, dst);
        }
    }

    /// <summary>
    /// Packs op(B)[0..kc, 0..cols]. <paramref name="b"/> points at op(B)[0, 0]: element (p, j) is
    /// b[p·ldb + j], or b[j·ldb + p] when transposed.
    /// </summary>
    public static void PackB(bool transB, float* b, nint ldb, int kc, int cols, int nr, float* dst)
    {
        if (!transB && nr >= SpreadMinWidth)
        {
            SpreadRows(b, ldb, kc, cols, nr, dst);
            return;
        }
        for (int j0 = 0; j0 < cols; j0 += nr, dst += nr * kc)
        {
            int w = Math.Min(nr, cols - j0);
            if (transB)
                Gather(b + j0 * ldb, ldb, w, kc, nr, dst);
            else
                CopyRuns(b + j0, ldb, w, kc, nr, dst);
        }
    }

    /// <summary>
    /// Panels at least this wide (the 512-bit kernel's B: 128 bytes a row, so a band fills whole
    /// cache lines of a panel) are packed by <see cref="SpreadRows"/>. Narrower panels keep
    /// <see cref="CopyRuns"/>: spreading a transposed A over 8-wide panels (4 KB apart at kc = 128)
    /// measured 2–23 % slower on the seed's dW shape, where each packed A feeds only 4 tiles.
    /// </summary>
    private const int SpreadMinWidth = 32;

    /// <summary>
    /// Rows of a row-major source spread over panels of width <paramref name="nr"/> (B not
    /// transposed): dst[(j / nr)·nr·kc + p·nr + j mod nr] =
    /// src[p·ld + j], zero past <paramref name="cols"/> in the last panel.
    /// </summary>
    /// <remarks>
    /// Goes through the source in bands of <see cref="Band"/> rows, each band panel by panel: the
    /// reads are a few contiguous row streams (which the hardware prefetcher follows) and each panel
    /// gets one contiguous run of band·nr floats. Panel by panel over all kc rows instead read kc
    /// rows at a stride of ld, slow once the source is out of L2; row by row over all panels wrote
    /// to panels 32 KB apart, which share L1 sets.
    /// </remarks>
    private static void SpreadRows(float* src, nint ld, int kc, int cols, int nr, float* dst)
    {
        int full = cols / nr * nr, tail = cols - full;
        nint panel = (nint)nr * kc;
        for (int p0 = 0; p0 < kc; p0 += Band)
        {
            int band = Math.Min(Band, kc - p0);
            float* s = src + p0 * ld, d = dst + (nint)p0 * nr;
            for (int j = 0; j < full; j += nr, d += panel)
                for (int r = 0; r < band; r++) CopyRun(s + r * ld + j, d + r * nr, nr);
            if (tail == 0) continue;
            for (int r = 0; r < band; r++)
            {
                CopyRun(s + r * ld + full, d + r * nr, tail);
                new Span<float>(d + r * nr + tail, nr - tail).Clear();
            }
        }
    }

    /// <summary>Source rows per band of <see cref="SpreadRows"/>.</summary>
    private const int Band = 8;

    /// <summary>dst[q] = src[q] for q &lt; count: a short run (up to one panel), copied with vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* src, float* dst, int count)
    {
        int q = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; q + 16 <= count; q += 16) Vector512.Store(Vector512.Load(src + q), dst + q);
        if (Vector256.IsHardwareAccelerated)
            for (; q + 8 <= count; q += 8) Vector256.Store(Vector256.Load(src + q), dst + q);
        for (; q < count; q++) dst[q] = src[q];
    }

    /// <summary>dst[p·width + q] = src[p·ld + q] for q &lt; count, zero for count ≤ q &lt; width.</summary>
    private static void CopyRuns(float* src, nint ld, int count, int kc, int width, float* dst)
    {
        // Runs are short (one panel: 4–32 floats), so copy with vectors rather than calling memmove.
        int vectorCount = Vector256.IsHardwareAccelerated ? count & ~7 : 0;
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            int q = 0;
            for (; q < vectorCount; q += 8) Vector256.Store(Vector256.Load(src + q), dst + q);
            for (; q < count; q++) dst[q] = src[q];
            for (; q < width; q++) dst[q] = 0;
        }
    }

    /// <summary>dst[p·width + q] = src[q·ld + p] for q &lt; count, zero for count ≤ q &lt; width.</summary>
    /// <remarks>
    /// Eight source rows at a time go through 8×8 register transposes (<see cref="Transpose8x8"/>:
    /// 8 loads, 24 shuffles, 8 stores for 64 floats, against 16 loads, 32 shuffles and 16 stores
    /// with 4×4 blocks), then four at a time, then one: fewer instructions for the same copy (same
    /// bits), on every CPU with AVX. Measured on Intel (isgemm3): the seed's and the dense layer's
    /// dX (B transposed) spend most of their packing here.
    /// </remarks>
    private static void Gather(float* src, nint ld, int count, int kc, int width, float* dst)
    {
        int q = 0;
        if (Avx.IsSupported)
        {
            for (; q + 8 <= count; q += 8)
            {
                float* s = src + q * ld, d = dst + q;
                int p = 0;
                for (; p + 8 <= kc; p += 8, d += 8 * width)
                    Transpose8x8(s + p, ld, d, width);
                for (; p < kc; p++, d += width)
                    for (int r = 0; r < 8; r++) d[r] = s[r * ld + p];
            }
        }
        for (; q + 4 <= count; q += 4)
        {
            float* s0 = src + q * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
            float* d = dst + q;
            int p = 0;
            if (Sse.IsSupported)
            {
                for (; p + 4 <= kc; p += 4, d += 4 * width)
                    Transpose4x4(s0 + p, s1 + p, s2 + p, s3 + p, d, width);
            }
            for (; p < kc; p++, d += width)
            {
                d[0] = s0[p];
                d[1] = s1[p];
                d[2] = s2[p];
                d[3] = s3[p];
            }
        }
        for (; q < count; q++)
        {
            float* s = src + q * ld, d = dst + q;
            for (int p = 0; p < kc; p++, d += width) *d = s[p];
        }
        if (count < width)
        {
            for (int p = 0; p < kc; p++)
                new Span<float>(dst + p * width + count, width - count).Clear();
        }
    }

    /// <summary>Eight runs of eight floats (s + i·ld) stored as eight columns: d[j·width + i] = s[i·ld + j].</summary>
    private static void Transpose8x8(float* s, nint ld, float* d, int width)
    {
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
        Vector256<float> r2 = Avx.LoadVector256(s + 2 * ld), r3 = Avx.LoadVector256(s + 3 * ld);
        Vector256<float> r4 = Avx.LoadVector256(s + 4 * ld), r5 = Avx.LoadVector256(s + 5 * ld);
        Vector256<float> r6 = Avx.LoadVector256(s + 6 * ld), r7 = Avx.LoadVector256(s + 7 * ld);
        // Per 128-bit lane: pairs of rows interleaved, then quadruples, then the lanes exchanged.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1); // a0 b0 a1 b1 | a4 b4 a5 b5 ; a2 b2 a3 b3 | a6 b6 a7 b7
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE); // a0 b0 c0 d0 | a4 b4 c4 d4 ; a1 .. d1 | a5 .. d5
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE); // e0 f0 g0 h0 | e4 .. h4 ; ...
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + width, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * width, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * width, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * width, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * width, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * width, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * width, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Four runs of four floats (rows) stored as four columns: d[j·width + i] = s_i[j].</summary>
    private static void Transpose4x4(float* s0, float* s1, float* s2, float* s3, float* d, int width)
    {
        Vector128<float> r0 = Sse.LoadVector128(s0), r1 = Sse.LoadVector128(s1);
        Vector128<float> r2 = Sse.LoadVector128(s2), r3 = Sse.LoadVector128(s3);
        Vector128<float> lo01 = Sse.UnpackLow(r0, r1), lo23 = Sse.UnpackLow(r2, r3);   // a0 b0 a1 b1 | c0 d0 c1 d1
        Vector128<float> hi01 = Sse.UnpackHigh(r0, r1), hi23 = Sse.UnpackHigh(r2, r3); // a2 b2 a3 b3 | c2 d2 c3 d3
        Sse.Store(d, Sse.MoveLowToHigh(lo01, lo23));
        Sse.Store(d + width, Sse.MoveHighToLow(lo23, lo01));
        Sse.Store(d + 2 * width, Sse.MoveLowToHigh(hi01, hi23));
        Sse.Store(d + 3 * width, Sse.MoveHighToLow(hi23, hi01));
    }
}
