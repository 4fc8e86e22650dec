namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="BatchNormKernel"/>: x is (rows, channels), statistics are per
/// channel over the rows. xhat = (x − mean)·rsqrt(variance + ε), y = γ·xhat + β. An empty γ means
/// 1 and an empty β means 0 (Keras's scale=False / center=False). Backward accumulates (+=).
/// </summary>
internal static class NaiveBatchNorm
{
    /// <summary>Per-channel mean and biased variance over the rows (Keras's batch statistics).</summary>
    public static void Moments(ReadOnlySpan<float> x, Span<float> mean, Span<float> variance, int rows, int channels)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += x[r * channels + c];
            double m = rows == 0 ? 0 : sum / rows;
            double sq = 0;
            for (int r = 0; r < rows; r++) { double d = x[r * channels + c] - m; sq += d * d; }
            mean[c] = (float)m;
            variance[c] = rows == 0 ? 0f : (float)(sq / rows);
        }
    }

    public static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, Span<float> y, int rows, int channels)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
            {
                float invStd = 1f / MathF.Sqrt(variance[c] + epsilon);
                float xhat = (x[r * channels + c] - mean[c]) * invStd;
                y[r * channels + c] = xhat * (gamma.IsEmpty ? 1f : gamma[c]) + (beta.IsEmpty ? 0f : beta[c]);
            }
    }

    /// <summary>
    /// dβ += Σ dy; dγ += Σ dy·xhat; dx += γ·invStd·dy, and when the statistics came from this batch
    /// (training) the terms through mean and variance as well:
    /// dx += γ·invStd/N·(N·dy − Σdy − xhat·Σ(dy·xhat)).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        ReadOnlySpan<float> gamma, float epsilon, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int rows, int channels, bool batchStatistics)
    {
        for (int c = 0; c < channels; c++)
        {
            double invStd = 1.0 / Math.Sqrt(variance[c] + epsilon);
            double sumDy = 0, sumDyXhat = 0;
            for (int r = 0; r < rows; r++)
            {
                double xhat = (x[r * channels + c] - mean[c]) * invStd;
                sumDy += dy[r * channels + c];
                sumDyXhat += dy[r * channels + c] * xhat;
            }
            if (!dbeta.IsEmpty) dbeta[c] += (float)sumDy;
            if (!dgamma.IsEmpty) dgamma[c] += (float)sumDyXhat;
            if (dx.IsEmpty) continue;
            double scale = (gamma.IsEmpty ? 1.0 : gamma[c]) * invStd;
            for (int r = 0; r < rows; r++)
            {
                double g = dy[r * channels + c];
                if (batchStatistics)
                {
                    double xhat = (x[r * channels + c] - mean[c]) * invStd;
                    g = g - sumDy / rows - xhat * sumDyXhat / rows;
                }
                dx[r * channels + c] += (float)(scale * g);
            }
        }
    }
}
