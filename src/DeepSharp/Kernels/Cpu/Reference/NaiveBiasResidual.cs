namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The twin of <see cref="BiasResidualKernel"/>: the bias add, then the residual add, element by element.</summary>
internal static class NaiveBiasResidual
{
    /// <summary>y[r, c] = residual[r, c] + (y[r, c] + bias[c]); no bias when it is empty.</summary>
    public static void Forward(Span<float> y, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                float sum = bias.IsEmpty ? y[i] : y[i] + bias[c];
                y[i] = residual[i] + sum;
            }
    }
}
