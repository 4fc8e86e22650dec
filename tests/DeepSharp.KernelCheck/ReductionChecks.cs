using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Sums and bias add against their twins.</summary>
public static class ReductionChecks
{
    public static void SumMatchesTwin()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var x = Check.Random(n * 7, n);
            float expected = NaiveReductions.Sum(x), actual = Reductions.Sum(x);
            Check.Close([expected], [actual], 1e-5f, 1e-5f, $"Sum n={n * 7}");
        }
    }

    public static void SumRowsAndAddBiasMatchTwin()
    {
        foreach (int rows in Check.AwkwardSizes)
            foreach (int cols in new[] { 0, 1, 3, 10, 17, 128 })
            {
                var x = Check.Random(rows * cols, rows + cols);
                var expected = Check.Random(cols, 5);
                var actual = (float[])expected.Clone();
                NaiveReductions.SumRows(x, expected, rows, cols);
                Reductions.SumRows(x, actual, rows, cols);
                Check.Close(expected, actual, 1e-5f, 1e-5f, $"SumRows {rows}x{cols}");

                var bias = Check.Random(cols, 9);
                var y1 = (float[])x.Clone();
                var y2 = (float[])x.Clone();
                NaiveReductions.AddBias(y1, bias, rows, cols);
                Reductions.AddBias(y2, bias, rows, cols);
                Check.Equal<float>(y1, y2, $"AddBias {rows}x{cols}");
            }
    }

    /// <summary>Long sums (parallel blocks) against the twin, and equal bits for 1 and 2 threads.</summary>
    public static void LargeSumsAreDeterministic()
    {
        var x = Check.Random(1_000_003, 17);
        for (int i = 0; i < x.Length; i++) x[i] += 0.25f; // a mean far from zero shows precision loss
        float expected = NaiveReductions.Sum(x);
        float one = ThreadCounts.With(1, () => Reductions.Sum(x));
        float two = ThreadCounts.With(2, () => Reductions.Sum(x));
        Check.Close([expected], [one], 1e-6f, 0f, "Sum n=1000003");
        Check.Equal<float>([one], [two], "Sum, 1 vs 2 threads");

        const int rows = 86_528, cols = 32; // the seed's first-layer bias gradient
        var m = Check.Random(rows * cols, 19);
        for (int i = 0; i < m.Length; i++) m[i] += 0.25f;
        var e = Check.Random(cols, 3);
        var a1 = (float[])e.Clone();
        var a2 = (float[])e.Clone();
        NaiveReductions.SumRows(m, e, rows, cols);
        ThreadCounts.With(1, () => { Reductions.SumRows(m, a1, rows, cols); return 0; });
        ThreadCounts.With(2, () => { Reductions.SumRows(m, a2, rows, cols); return 0; });
        Check.Close(e, a1, 1e-6f, 1e-4f, "SumRows 86528x32");
        Check.Equal<float>(a1, a2, "SumRows, 1 vs 2 threads");
    }
}
