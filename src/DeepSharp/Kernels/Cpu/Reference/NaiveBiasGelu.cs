namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The twin of <see cref="BiasGeluKernel"/>: the bias add, then exact GELU (<see cref="NaiveGelu"/>);
/// backward GELU′ times the incoming gradient, and the bias gradient as column sums in double.
/// </summary>
internal static class NaiveBiasGelu
{
    /// <summary>pre[r, c] += bias[c]; y[r, c] = GELU(pre[r, c]).</summary>
    public static void Forward(Span<float> pre, ReadOnlySpan<float> bias, Span<float> y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) pre[r * cols + c] += bias[c];
        NaiveGelu.Forward(pre[..(rows * cols)], y);
    }

    /// <summary>d[r, c] = dy[r, c]·GELU′(pre[r, c]); db[c] += Σ_r d[r, c] unless db is empty.</summary>
    public static void Backward(ReadOnlySpan<float> pre, ReadOnlySpan<float> dy, Span<float> d, Span<float> db, int rows, int cols)
    {
        NaiveGelu.Backward(pre[..(rows * cols)], dy, d, accumulate: false);
        if (db.IsEmpty) return;
        for (int c = 0; c < cols; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += d[r * cols + c];
            db[c] += (float)sum;
        }
    }
}
