using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// GEMM with at most 16 columns (the narrow-N path at the 512-bit level, the other paths below it)
/// against its double-precision twin, and bit for bit against the same columns computed in a wider
/// call (the packed path), at 1 and 2 threads.
/// </summary>
public static class GemmNarrowNChecks
{
    private static readonly int[] Rows = [1, 2, 7, 8, 9, 13, 17, 31, 64, 97, 130];
    private static readonly int[] Columns = [1, 2, 5, 10, 15, 16];
    private static readonly int[] Depths = [1, 5, 255, 256, 257, 600];

    public static void NarrowColumnsMatchTwin()
    {
        int seed = 7000;
        foreach (int m in Rows)
            foreach (int n in Columns)
                foreach (int k in Depths)
                {
                    seed++;
                    bool transA = seed % 3 == 0, transB = seed % 5 < 2, accumulate = seed % 2 == 0;
                    int pad = seed % 4 == 0 ? 0 : 1 + seed % 3;
                    var (a, lda, b, ldb, expected, ldc) = Operands(transA, transB, m, n, k, n, pad, seed);
                    var actual = (float[])expected.Clone();
                    NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                    Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, actual, ldc, accumulate);
                    Check.Close(expected, actual, 1e-5f, 2e-6f * (k + 1),
                        $"Gemm m={m} n={n} k={k} transA={transA} transB={transB} pad {pad} accumulate {accumulate}");
                }
    }

    /// <summary>
    /// Columns 0..n of a 40-column call (the packed path) equal an n-column call bit for bit: the
    /// same summation order per element, whichever path, row split or thread count.
    /// </summary>
    public static void ColumnsMatchWiderCallBitForBit()
    {
        const int wide = 40;
        int seed = 8000;
        (int M, int N, int K)[] shapes = [(128, 10, 128), (130, 16, 600), (9, 3, 257), (784, 10, 128), (37, 7, 8500)];
        foreach (var (m, n, k) in shapes)
            for (int trans = 0; trans < 4; trans++)
            {
                bool transA = (trans & 1) != 0, transB = (trans & 2) != 0;
                // B holds 40 columns; the narrow call reads its first n (as rows of B when transposed).
                var (a, lda, b, ldb, c0, _) = Operands(transA, transB, m, wide, k, wide, 0, seed++);
                var whole = (float[])c0.Clone();
                ThreadCounts.With(1, () => { Gemm.Multiply(transA, transB, m, wide, k, a, lda, b, ldb, whole, wide, accumulate: true); return 0; });
                foreach (int threads in new[] { 1, 2 })
                {
                    var part = (float[])c0.Clone();
                    ThreadCounts.With(threads, () => { Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, part, wide, accumulate: true); return 0; });
                    for (int i = 0; i < m; i++)
                    {
                        Check.Equal<float>(whole.AsSpan(i * wide, n).ToArray(), part.AsSpan(i * wide, n).ToArray(),
                            $"Gemm columns 0..{n} of {wide}, row {i}, m={m} k={k} transA={transA} transB={transB}, {threads} thread(s)");
                        Check.Equal<float>(c0.AsSpan(i * wide + n, wide - n).ToArray(), part.AsSpan(i * wide + n, wide - n).ToArray(),
                            $"Gemm n={n}: columns past n of row {i} untouched (ldc {wide})");
                    }
                }
            }
    }

    /// <summary>Random A, B (<paramref name="bCols"/> columns of op(B) stored) and C (ldc = n + pad).</summary>
    private static (float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc) Operands(
        bool transA, bool transB, int m, int n, int k, int bCols, int pad, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? bCols : k, bStored = transB ? k : bCols;
        int lda = aCols + pad, ldb = bStored + pad, ldc = n + pad;
        return (Check.Random(aRows * lda, seed), lda, Check.Random(bRows * ldb, seed + 7919), ldb,
            Check.Random(m * ldc, seed + 104729), ldc);
    }
}
