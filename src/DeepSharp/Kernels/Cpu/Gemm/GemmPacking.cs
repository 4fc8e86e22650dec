namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the micro-kernels' panel order, zero-padding the last
/// panel so that the kernels always see full Mr / Nr panels.
/// </summary>
/// <remarks>
/// Packed A: panels of <c>mr</c> rows; within a panel, for each p the mr values of column p.
/// Packed B: panels of <c>nr</c> columns; within a panel, for each p the nr values of row p.
/// The strided cases (A not transposed, B transposed) gather; the others copy contiguous runs.
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
        for (int j0 = 0; j0 < cols; j0 += nr, dst += nr * kc)
        {
            int w = Math.Min(nr, cols - j0);
            if (transB)
                Gather(b + j0 * ldb, ldb, w, kc, nr, dst);
            else
                CopyRuns(b + j0, ldb, w, kc, nr, dst);
        }
    }

    /// <summary>dst[p·width + q] = src[p·ld + q] for q &lt; count, zero for count ≤ q &lt; width.</summary>
    private static void CopyRuns(float* src, nint ld, int count, int kc, int width, float* dst)
    {
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            new ReadOnlySpan<float>(src, count).CopyTo(new Span<float>(dst, count));
            if (count < width) new Span<float>(dst + count, width - count).Clear();
        }
    }

    /// <summary>dst[p·width + q] = src[q·ld + p] for q &lt; count, zero for count ≤ q &lt; width.</summary>
    private static void Gather(float* src, nint ld, int count, int kc, int width, float* dst)
    {
        int q = 0;
        for (; q + 4 <= count; q += 4)
        {
            float* s0 = src + q * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
            float* d = dst + q;
            for (int p = 0; p < kc; p++, d += width)
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
}
