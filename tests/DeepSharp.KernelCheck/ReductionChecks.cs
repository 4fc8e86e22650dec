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
}
