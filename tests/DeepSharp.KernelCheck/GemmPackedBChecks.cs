using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// GEMM through a prepacked B (the recurrent step's path): against the double-precision twin, and
/// bit for bit against Gemm.Multiply on the unpacked B, over awkward shapes, strides and thread counts.
/// </summary>
public static class GemmPackedBChecks
{
    private static readonly int[] Rows = [0, 1, 2, 7, 8, 9, 13, 32, 33, 97, 200];
    private static readonly int[] Columns = [0, 1, 3, 8, 15, 16, 17, 31, 32, 33, 64, 100, 257];
    private static readonly int[] Depths = [0, 1, 5, 17, 255, 256, 257, 600];

    public static void MatchesTwinAndUnpackedBitForBit()
    {
        int seed = 9000;
        foreach (int m in Rows)
            foreach (int n in Columns)
                foreach (int k in Depths)
                {
                    seed++;
                    bool transA = seed % 3 == 0, transB = seed % 2 == 0, accumulate = seed % 5 < 2;
                    int pad = seed % 4 == 0 ? 0 : 1 + seed % 3;
                    var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, pad, seed);
                    var expected = (float[])c0.Clone();
                    var unpacked = (float[])c0.Clone();
                    var actual = (float[])c0.Clone();
                    NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                    Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, unpacked, ldc, accumulate);
                    using (var packed = GemmPackedB.Pack(transB, k, n, b, ldb))
                        Gemm.Multiply(transA, m, a, lda, packed, actual, ldc, accumulate);
                    string what = $"Gemm packed B m={m} n={n} k={k} transA={transA} transB={transB} pad {pad} accumulate {accumulate}";
                    Check.Close(expected, actual, 1e-5f, 2e-6f * (k + 1), what);
                    Check.Equal<float>(unpacked, actual, what + " vs unpacked");
                }
    }

    /// <summary>One packed B serves many calls, at any thread count, with the same bits.</summary>
    public static void ReusedAcrossCallsAndThreadCounts()
    {
        foreach (var (m, n, k, transB) in new[] { (32, 1024, 256, false), (32, 256, 1024, true), (50, 77, 300, false), (9, 40, 513, true) })
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(false, transB, m, n, k, 0, m + n + k);
            var reference = (float[])c0.Clone();
            Gemm.Multiply(false, transB, m, n, k, a, lda, b, ldb, reference, ldc, accumulate: true);
            using var packed = GemmPackedB.Pack(transB, k, n, b, ldb);
            foreach (int threads in new[] { 1, 2, 3, 4, 1 })
            {
                var c = (float[])c0.Clone();
                ThreadCounts.With(threads, () =>
                {
                    Gemm.Multiply(false, m, a, lda, packed, c, ldc, accumulate: true);
                    return 0;
                });
                Check.Equal<float>(reference, c, $"Gemm packed B m={m} n={n} k={k} transB={transB} threads {threads}");
            }
        }
    }

    public static void BadArgumentsThrow()
    {
        var b = new float[5 * 6];
        Expect<ArgumentException>(() => GemmPackedB.Pack(false, 5, 6, b.AsSpan(1), 6), "needs 30", "short B");
        Expect<ArgumentException>(() => GemmPackedB.Pack(true, 5, 6, b, 4), "ldb=4", "ldb below k");
        Expect<ArgumentException>(() => GemmPackedB.Pack(false, -1, 6, b, 6), "k=-1", "negative k");
        using var packed = GemmPackedB.Pack(false, 5, 6, b, 6);
        var a = new float[4 * 5];
        var c = new float[4 * 6];
        Expect<ArgumentException>(() => Gemm.Multiply(false, 4, a.AsSpan(1), 5, packed, c, 6, false), "m=4, n=6, k=5", "short A");
        Expect<ArgumentException>(() => Gemm.Multiply(false, 4, a, 5, packed, c.AsSpan(1), 6, false), "m=4, n=6, k=5", "short C");
        Expect<ArgumentException>(() => Gemm.Multiply(false, -2, a, 5, packed, c, 6, false), "m=-2", "negative m");
        packed.Dispose();
        Expect<ObjectDisposedException>(() => Gemm.Multiply(false, 4, a, 5, packed, c, 6, false), "GemmPackedB", "disposed");
    }

    private static void Expect<TException>(Action call, string messagePart, string context) where TException : Exception
    {
        try
        {
            call();
        }
        catch (TException e)
        {
            if (!e.Message.Contains(messagePart, StringComparison.Ordinal))
                throw new CheckFailedException($"Gemm packed B {context}: message '{e.Message}' does not name '{messagePart}'");
            return;
        }
        throw new CheckFailedException($"Gemm packed B {context}: no {typeof(TException).Name}");
    }

    private static (float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc) Operands(
        bool transA, bool transB, int m, int n, int k, int pad, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        return (Check.Random(aRows * lda, seed), lda, Check.Random(bRows * ldb, seed + 7919),
            ldb, Check.Random(m * ldc, seed + 104729), ldc);
    }
}
