using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// GEMM with 1–8 rows (the small-M path at the 512- and 256-bit levels, the packed path below them)
/// against its double-precision twin, and bit for bit against the same rows computed in a larger call.
/// </summary>
public static class GemmSmallMChecks
{
    private static readonly int[] Columns = [1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 130];
    private static readonly int[] Depths = [1, 5, 255, 256, 257, 600];

    public static void FewRowsMatchTwin()
    {
        int seed = 5000;
        for (int m = 1; m <= GemmSmallM.MaxRows; m++)
            foreach (int n in Columns)
                foreach (int k in Depths)
                {
                    seed++;
                    bool transA = seed % 3 == 0, accumulate = seed % 2 == 0;
                    int pad = seed % 4 == 0 ? 0 : 1 + seed % 3;
                    var (a, lda, b, ldb, expected, ldc) = Operands(transA, m, n, k, pad, seed);
                    var actual = (float[])expected.Clone();
                    NaiveGemm.Multiply(transA, false, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                    Gemm.Multiply(transA, false, m, n, k, a, lda, b, ldb, actual, ldc, accumulate);
                    Check.Close(expected, actual, 1e-5f, 2e-6f * (k + 1), $"Gemm m={m} n={n} k={k} transA={transA} pad {pad} accumulate {accumulate}");
                }
    }

    /// <summary>A row's value does not depend on how many rows share the call (batch 1 = row of batch 32).</summary>
    public static void RowsMatchLargerCallBitForBit()
    {
        const int total = 32;
        int seed = 6000;
        foreach (var (n, k) in new[] { (128, 5408), (10, 128), (130, 257), (64, 600) })
            foreach (bool transA in new[] { false, true })
            {
                var (a, lda, b, ldb, c0, ldc) = Operands(transA, total, n, k, 0, seed++);
                var whole = (float[])c0.Clone();
                Gemm.Multiply(transA, false, total, n, k, a, lda, b, ldb, whole, ldc, accumulate: true);
                for (int m = 1; m <= GemmSmallM.MaxRows; m++)
                {
                    // rows 3..3+m of the big call, as their own call (A offset by 3 rows or columns).
                    int offset = transA ? 3 : 3 * lda;
                    var part = c0.AsSpan(3 * ldc, m * ldc).ToArray();
                    Gemm.Multiply(transA, false, m, n, k, a.AsSpan(offset), lda, b, ldb, part, ldc, accumulate: true);
                    Check.Equal<float>(whole.AsSpan(3 * ldc, m * ldc).ToArray(), part, $"Gemm rows 3..{3 + m} of {total}, n={n} k={k} transA={transA}");
                }
            }
    }

    private static (float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc) Operands(bool transA, int m, int n, int k, int pad, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int lda = aCols + pad, ldb = n + pad, ldc = n + pad;
        return (Check.Random(aRows * lda, seed), lda, Check.Random(k * ldb, seed + 7919), ldb, Check.Random(m * ldc, seed + 104729), ldc);
    }
}
