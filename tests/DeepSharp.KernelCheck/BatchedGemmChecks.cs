using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Batched GEMM against its twin: batch sizes, shapes, transposes, strides (0 included), threads.</summary>
public static class BatchedGemmChecks
{
    private static readonly int[] Batches = [0, 1, 2, 3, 7, 13];
    private static readonly int[] Sizes = [0, 1, 3, 8, 17, 33];
    private static readonly int[] Depths = [0, 1, 5, 16, 31];

    public static void SmallShapesMatchTwin()
    {
        int seed = 0;
        foreach (int batch in Batches)
            foreach (int m in Sizes)
                foreach (int n in Sizes)
                    foreach (int k in Depths)
                    {
                        seed++;
                        int trans = seed % 4;
                        // Every third case shares one B across the batch (stride 0), as a weight matrix would be.
                        CompareWithTwin(batch, (trans & 1) != 0, (trans & 2) != 0, m, n, k, pad: seed % 3, shareB: seed % 3 == 1,
                            accumulate: seed % 2 == 0, seed);
                    }
    }

    /// <summary>Products big enough that each one is split by Gemm itself, run in turn.</summary>
    public static void LargeProductsMatchTwin()
    {
        CompareWithTwin(3, false, false, 131, 97, 128, pad: 1, shareB: false, accumulate: true, seed: 500);
        CompareWithTwin(2, true, true, 200, 65, 97, pad: 0, shareB: true, accumulate: false, seed: 501);
    }

    /// <summary>Interleaved heads: matrices one head apart in a (T, H·D) layout, stride D, leading dimension H·D.</summary>
    public static void InterleavedHeadsMatchTwin()
    {
        foreach (int heads in new[] { 1, 2, 5 })
            foreach (int t in new[] { 1, 7, 16 })
                foreach (int d in new[] { 1, 3, 16, 17 })
                {
                    int ld = heads * d, seed = heads * 1000 + t * 10 + d;
                    var a = Check.Random(t * ld, seed);
                    var b = Check.Random(t * ld, seed + 1);
                    var expected = Check.Random(t * t * heads, seed + 2);
                    var actual = (float[])expected.Clone();
                    // Scores of every head: S_h = Q_h · K_hᵀ, (t, t) blocks stored one after another.
                    NaiveBatchedGemm.Multiply(heads, false, true, t, t, d, a, ld, d, b, ld, d, expected, t, t * t, accumulate: false);
                    BatchedGemm.Multiply(heads, false, true, t, t, d, a, ld, d, b, ld, d, actual, t, t * t, accumulate: false);
                    Check.Close(expected, actual, 1e-5f, 2e-6f * (d + 1), $"BatchedGemm heads {heads} t {t} d {d}");
                }
    }

    public static void ThreadCountDoesNotChangeBits()
    {
        foreach (var (batch, m, n, k) in new[] { (16, 9, 13, 17), (5, 64, 33, 40), (3, 128, 96, 100) })
        {
            var (a, lda, sa, b, ldb, sb, c0, ldc, sc) = Operands(batch, false, true, m, n, k, 1, false, batch * 31 + m);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var c = (float[])c0.Clone();
                ThreadCounts.With(threads, () =>
                {
                    BatchedGemm.Multiply(batch, false, true, m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, accumulate: true);
                    return 0;
                });
                if (first is null) first = c;
                else Check.Equal<float>(first, c, $"BatchedGemm batch {batch} {m}x{n}x{k}: threads 1 vs {threads}");
            }
        }
    }

    public static void BadArgumentsThrow()
    {
        var a = new float[3 * 4 * 5];
        var b = new float[3 * 5 * 6];
        var c = new float[3 * 4 * 6];
        Expect(() => BatchedGemm.Multiply(3, false, false, 4, 6, 5, a.AsSpan(1), 5, 20, b, 6, 30, c, 6, 24, false), "A holds 59", "short A");
        Expect(() => BatchedGemm.Multiply(3, false, false, 4, 6, 5, a, 5, 20, b, 6, 31, c, 6, 24, false), "stride 31", "B stride past the end");
        Expect(() => BatchedGemm.Multiply(3, false, false, 4, 6, 5, a, 5, 20, b, 6, 30, c, 5, 24, false), "C (5)", "ldc below n");
        Expect(() => BatchedGemm.Multiply(-1, false, false, 4, 6, 5, a, 5, 20, b, 6, 30, c, 6, 24, false), "batch=-1", "negative batch");
        Expect(() => BatchedGemm.Multiply(3, false, false, 4, 6, 5, a, 5, -20, b, 6, 30, c, 6, 24, false), "strideA=-20", "negative stride");
    }

    private static void Expect(Action call, string messagePart, string context)
    {
        try
        {
            call();
        }
        catch (ArgumentException e)
        {
            if (!e.Message.Contains(messagePart, StringComparison.Ordinal))
                throw new CheckFailedException($"BatchedGemm {context}: message '{e.Message}' does not name '{messagePart}'");
            return;
        }
        throw new CheckFailedException($"BatchedGemm {context}: no ArgumentException");
    }

    private static void CompareWithTwin(int batch, bool transA, bool transB, int m, int n, int k, int pad, bool shareB, bool accumulate, int seed)
    {
        var (a, lda, sa, b, ldb, sb, expected, ldc, sc) = Operands(batch, transA, transB, m, n, k, pad, shareB, seed);
        var actual = (float[])expected.Clone();
        NaiveBatchedGemm.Multiply(batch, transA, transB, m, n, k, a, lda, sa, b, ldb, sb, expected, ldc, sc, accumulate);
        BatchedGemm.Multiply(batch, transA, transB, m, n, k, a, lda, sa, b, ldb, sb, actual, ldc, sc, accumulate);
        Check.Close(expected, actual, 1e-5f, 2e-6f * (k + 1),
            $"BatchedGemm batch {batch} m={m} n={n} k={k}{(transA ? " transA" : "")}{(transB ? " transB" : "")} pad {pad} shareB {shareB} accumulate {accumulate}");
    }

    /// <summary>Random operands; each matrix is followed by <paramref name="pad"/> unused floats (so strides exceed sizes).</summary>
    private static (float[] A, int Lda, int StrideA, float[] B, int Ldb, int StrideB, float[] C, int Ldc, int StrideC) Operands(
        int batch, bool transA, bool transB, int m, int n, int k, int pad, bool shareB, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        int sa = aRows * lda + pad, sb = shareB ? 0 : bRows * ldb + pad, sc = m * ldc + pad;
        int bCount = shareB ? Math.Min(batch, 1) : batch;
        return (Check.Random(batch * sa, seed), lda, sa, Check.Random(bCount * (bRows * ldb + pad), seed + 7919), ldb, sb,
            Check.Random(batch * sc, seed + 104729), ldc, sc);
    }
}
