using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Sums and the bias add; see <see cref="NaiveReductions"/> for the exact contract.</summary>
public static class Reductions
{
    public static float Sum(ReadOnlySpan<float> x) => NaiveReductions.Sum(x);
    public static void SumRows(ReadOnlySpan<float> x, Span<float> colSums, int rows, int cols) => NaiveReductions.SumRows(x, colSums, rows, cols);
    public static void AddBias(Span<float> x, ReadOnlySpan<float> bias, int rows, int cols) => NaiveReductions.AddBias(x, bias, rows, cols);
}
