namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="LayerNormKernel"/>: x is (rows, cols), each row is normalised
/// over its cols: xhat = (x − mean)·rstd with rstd = rsqrt(variance + ε) (biased variance), then
/// y = γ·xhat + β per column; empty γ/β mean 1/0. Forward saves mean and rstd per row for backward,
/// which accumulates (+=).
/// </summary>
internal static class NaiveLayerNorm
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += x[r * cols + c];
            double m = sum / cols;
            double sq = 0;
            for (int c = 0; c < cols; c++) { double d = x[r * cols + c] - m; sq += d * d; }
            float s = (float)(1.0 / Math.Sqrt(sq / cols + epsilon));
            mean[r] = (float)m;
            rstd[r] = s;
            for (int c = 0; c < cols; c++)
            {
                float xhat = (x[r * cols + c] - mean[r]) * s;
                y[r * cols + c] = xhat * (gamma.IsEmpty ? 1f : gamma[c]) + (beta.IsEmpty ? 0f : beta[c]);
            }
        }
    }

    /// <summary>
    /// With g = dy·γ: dx += rstd·(g − mean(g) − xhat·mean(g·xhat)); dγ += Σ_rows dy·xhat; dβ += Σ_rows dy.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            double meanG = 0, meanGXhat = 0;
            for (int c = 0; c < cols; c++)
            {
                double xhat = (x[r * cols + c] - mean[r]) * rstd[r];
                double g = dy[r * cols + c] * (gamma.IsEmpty ? 1f : gamma[c]);
                meanG += g;
                meanGXhat += g * xhat;
                if (!dgamma.IsEmpty) dgamma[c] += (float)(dy[r * cols + c] * xhat);
                if (!dbeta.IsEmpty) dbeta[c] += dy[r * cols + c];
            }
            meanG /= cols;
            meanGXhat /= cols;
            if (dx.IsEmpty) continue;
            for (int c = 0; c < cols; c++)
            {
                double xhat = (x[r * cols + c] - mean[r]) * rstd[r];
                double g = dy[r * cols + c] * (gamma.IsEmpty ? 1f : gamma[c]);
                dx[r * cols + c] += (float)(rstd[r] * (g - meanG - xhat * meanGXhat));
            }
        }
    }
}
