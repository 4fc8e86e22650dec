namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="Reductions"/>.</summary>
internal static class NaiveReductions
{
    public static float Sum(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        return (float)sum;
    }

    /// <summary>colSums[c] += Σ_r x[r, c] for a rows×cols matrix (the bias gradient).</summary>
    public static void SumRows(ReadOnlySpan<float> x, Span<float> colSums, int rows, int cols)
    {
        for (int c = 0; c < cols; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += x[r * cols + c];
            colSums[c] += (float)sum;
        }
    }

    /// <summary>x[r, c] += bias[c] in place.</summary>
    public static void AddBias(Span<float> x, ReadOnlySpan<float> bias, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                x[r * cols + c] += bias[c];
    }
}
