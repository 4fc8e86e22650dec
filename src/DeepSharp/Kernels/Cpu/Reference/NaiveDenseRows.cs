namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Inference.DenseRows"/>: y = x·W + b for x (rows × inF), W
/// (inF × outF), b (outF, or empty for none), all row-major. Sums run in double so that the twin is
/// a tight oracle.
/// </summary>
internal static class NaiveDenseRows
{
    public static void Forward(int rows, int inF, int outF, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < outF; j++)
            {
                double sum = 0;
                for (int p = 0; p < inF; p++) sum += (double)x[i * inF + p] * w[p * outF + j];
                y[i * outF + j] = (float)(sum + (bias.Length != 0 ? bias[j] : 0f));
            }
    }
}
