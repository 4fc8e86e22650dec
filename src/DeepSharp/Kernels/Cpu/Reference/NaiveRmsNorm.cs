namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="RmsNormKernel"/>: x is (rows, cols), each row divided by its root
/// mean square: xhat = x·rstd with rstd = 1/√(mean(x²) + ε), then y = xhat·scale per column; an empty
/// scale means ones. Forward saves rstd per row for backward, which accumulates (+=).
/// </summary>
internal static class NaiveRmsNorm
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, float epsilon, Span<float> y, Span<float> rstd, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            double sq = 0;
            for (int c = 0; c < cols; c++) sq += (double)x[r * cols + c] * x[r * cols + c];
            float s = (float)(1.0 / Math.Sqrt(sq / cols + epsilon));
            rstd[r] = s;
            for (int c = 0; c < cols; c++)
                y[r * cols + c] = (float)((double)x[r * cols + c] * s * (scale.IsEmpty ? 1f : scale[c]));
        }
    }

    /// <summary>
    /// With g = dy·scale and xhat = x·rstd: dx += rstd·(g − xhat·mean(g·xhat)) (the derivative of
    /// x·rstd(x)·scale, as ∂rstd/∂x_j = −rstd³·x_j/cols); dscale += Σ_rows dy·xhat.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> rstd, ReadOnlySpan<float> scale, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dscale, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            double meanGXhat = 0;
            for (int c = 0; c < cols; c++)
            {
                double xhat = (double)x[r * cols + c] * rstd[r];
                double g = (double)dy[r * cols + c] * (scale.IsEmpty ? 1f : scale[c]);
                meanGXhat += g * xhat;
                if (!dscale.IsEmpty) dscale[c] += (float)(dy[r * cols + c] * xhat);
            }
            meanGXhat /= cols;
            if (dx.IsEmpty) continue;
            for (int c = 0; c < cols; c++)
            {
                double xhat = (double)x[r * cols + c] * rstd[r];
                double g = (double)dy[r * cols + c] * (scale.IsEmpty ? 1f : scale[c]);
                dx[r * cols + c] += (float)(rstd[r] * (g - xhat * meanGXhat));
            }
        }
    }
}
