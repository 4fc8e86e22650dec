using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The LSTM's 8×48 step product (RecurrentStepProduct) against its double-precision twin (NaiveGemm) and
/// bit for bit against Gemm.Multiply, over rows, depths and column ranges on and off the tile sizes; and
/// the LSTM step checks rerun with the path forced on and off, so both run on any CPU with 512-bit vectors.
/// Below the 512-bit level the kernel does not apply: it refuses, and LstmSteps never takes it.
/// </summary>
public static class RecurrentStepProductChecks
{
    private static readonly int[] RowCounts = [1, 7, 8, 9, 16, 17, 33];
    private static readonly int[] Depths = [1, 5, 255, 256, 257, 600];
    private static readonly int[] Widths = [1, 16, 47, 48, 49, 97, 160];

    public static unsafe void MatchesTwinAndGemmBitForBit()
    {
        if (!RecurrentStepProduct.Applies)
        {
            RefusesBelow512();
            return;
        }
        int seed = 9100;
        foreach (int m in RowCounts)
            foreach (int k in Depths)
                foreach (int n in Widths)
                {
                    seed++;
                    bool transB = seed % 2 == 0, accumulate = seed % 3 != 0;
                    int pad = seed % 4, lda = k + pad, ldc = n + (seed % 5);
                    int ldb = transB ? k + pad : n + pad;
                    var a = Check.Random(m * lda, seed);
                    var b = Check.Random((transB ? n : k) * ldb, seed + 7);
                    var c0 = Check.Random(m * ldc, seed + 13);
                    var expected = (float[])c0.Clone();
                    Gemm.Multiply(false, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                    var twin = (float[])c0.Clone();
                    NaiveGemm.Multiply(false, transB, m, n, k, a, lda, b, ldb, twin, ldc, accumulate);
                    using var panels = RecurrentStepPanels.Pack(transB, k, n, b, ldb);
                    // the whole width, then a column range cut inside the panels (as a unit slice of a step is)
                    foreach (var (lo, hi) in new[] { (0, n), (Math.Min(n, 5), Math.Max(Math.Min(n, 5), n - 3)) })
                    {
                        var actual = (float[])c0.Clone();
                        fixed (float* pa = a, pc = actual)
                            RecurrentStepProduct.Multiply(panels, pa, lda, m, pc, ldc, lo, hi, accumulate);
                        string what = $"RecurrentStepProduct m={m} k={k} n={n} columns {lo}..{hi} transB={transB} accumulate={accumulate}";
                        for (int r = 0; r < m; r++)
                            for (int j = 0; j < ldc; j++)
                            {
                                float want = j >= lo && j < hi ? expected[r * ldc + j] : c0[r * ldc + j];
                                if (BitConverter.SingleToInt32Bits(actual[r * ldc + j]) != BitConverter.SingleToInt32Bits(want))
                                    throw new CheckFailedException($"{what}: C[{r},{j}] = {actual[r * ldc + j]:R}, Gemm (or untouched) {want:R}.");
                            }
                        if (lo == 0 && hi == n) Check.Close(twin, actual, 1e-5f, 2e-6f * (k + 1), what + " vs NaiveGemm");
                    }
                }
    }

    /// <summary>Depth 0: C cleared, or left when accumulating (as Gemm does); bad ranges throw.</summary>
    public static unsafe void EmptyDepthAndBadRanges()
    {
        if (!RecurrentStepProduct.Applies)
        {
            RefusesBelow512();
            return;
        }
        using var empty = RecurrentStepPanels.Pack(false, 0, 20, [], 20);
        var c = Check.Random(3 * 20, 5);
        var kept = (float[])c.Clone();
        fixed (float* pc = c)
        {
            RecurrentStepProduct.Multiply(empty, pc, 1, 3, pc, 20, 0, 20, accumulate: true);
            Check.Equal<float>(kept, c, "RecurrentStepProduct depth 0, accumulate");
            RecurrentStepProduct.Multiply(empty, pc, 1, 3, pc, 20, 0, 20, accumulate: false);
            Check.Equal<float>(new float[60], c, "RecurrentStepProduct depth 0, overwrite");
            bool threw = false;
            try { RecurrentStepProduct.Multiply(empty, pc, 1, 3, pc, 20, 0, 21, accumulate: false); }
            catch (ArgumentOutOfRangeException) { threw = true; }
            if (!threw) throw new CheckFailedException("RecurrentStepProduct: a column range past N did not throw.");
        }
    }

    /// <summary>Every LSTM steps check with the 8×48 path forced on, then off: the same bits as the unsplit Gemm either way.</summary>
    public static void LstmStepsWithEitherProduct()
    {
        bool saved = RecurrentStepProduct.Preferred;
        try
        {
            foreach (bool preferred in new[] { true, false })
            {
                RecurrentStepProduct.Preferred = preferred && RecurrentStepProduct.Applies;
                LstmStepsChecks.MatchTwinsAndUnsplitBitForBit();
                LstmStepsChecks.InputProjectionInsideTheSequenceMatchesGemm();
            }
        }
        finally { RecurrentStepProduct.Preferred = saved; }
    }

    private static unsafe void RefusesBelow512()
    {
        if (RecurrentStepProduct.Preferred) throw new CheckFailedException("RecurrentStepProduct is preferred without 512-bit vectors.");
        using var panels = RecurrentStepPanels.Pack(false, 2, 2, new float[4], 2);
        var buffer = new float[4];
        bool threw = false;
        fixed (float* p = buffer)
            try { RecurrentStepProduct.Multiply(panels, p, 2, 2, p, 2, 0, 2, accumulate: false); }
            catch (PlatformNotSupportedException) { threw = true; }
        if (!threw) throw new CheckFailedException("RecurrentStepProduct ran without 512-bit vectors.");
    }
}
