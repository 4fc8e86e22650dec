using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Batch normalisation over (rows, channels) data; see <see cref="NaiveBatchNorm"/> for the
/// contract. Vectorised along the channel axis: every pass walks the rows and updates a whole
/// channel row at once, so memory is read in order. Sums are kept in float per channel (the twin
/// uses double); they agree to about 1e-6 relative for the batch sizes of training.
/// </summary>
internal static class BatchNormKernel
{
    public static void Moments(ReadOnlySpan<float> x, Span<float> mean, Span<float> variance, int rows, int channels)
    {
        Validate(x.Length, rows, channels, mean.Length, variance.Length);
        var m = mean[..channels];
        var v = variance[..channels];
        m.Clear();
        v.Clear();
        if (rows == 0) return;
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(m, x.Slice(r * channels, channels), m);
        TensorPrimitives.Divide(m, rows, m);
        Span<float> d = channels <= 512 ? stackalloc float[channels] : new float[channels];
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Subtract(x.Slice(r * channels, channels), m, d);
            TensorPrimitives.MultiplyAdd(d, d, v, v);
        }
        TensorPrimitives.Divide(v, rows, v);
    }

    public static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, Span<float> y, int rows, int channels)
    {
        Validate(x.Length, rows, channels, mean.Length, variance.Length);
        if (y.Length < rows * channels) throw new ArgumentException("Output is shorter than the input.", nameof(y));
        Span<float> scale = channels <= 512 ? stackalloc float[channels] : new float[channels];
        Span<float> shift = channels <= 512 ? stackalloc float[channels] : new float[channels];
        // y = x·scale + shift with scale = γ·invStd, shift = β − mean·scale.
        for (int c = 0; c < channels; c++)
        {
            float invStd = 1f / MathF.Sqrt(variance[c] + epsilon);
            scale[c] = (gamma.IsEmpty ? 1f : gamma[c]) * invStd;
            shift[c] = (beta.IsEmpty ? 0f : beta[c]) - mean[c] * scale[c];
        }
        for (int r = 0; r < rows; r++)
            TensorPrimitives.FusedMultiplyAdd(x.Slice(r * channels, channels), scale, shift, y.Slice(r * channels, channels));
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        ReadOnlySpan<float> gamma, float epsilon, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int rows, int channels, bool batchStatistics)
    {
        Validate(x.Length, rows, channels, mean.Length, variance.Length);
        if (dy.Length < rows * channels) throw new ArgumentException("dy is shorter than x.", nameof(dy));
        var invStd = new float[channels];
        var sumDy = new float[channels];
        var sumDyXhat = new float[channels];
        var xhat = new float[channels];
        for (int c = 0; c < channels; c++) invStd[c] = 1f / MathF.Sqrt(variance[c] + epsilon);
        for (int r = 0; r < rows; r++)
        {
            var dyRow = dy.Slice(r * channels, channels);
            TensorPrimitives.Subtract(x.Slice(r * channels, channels), mean[..channels], xhat);
            TensorPrimitives.Multiply(xhat, invStd, xhat);
            TensorPrimitives.Add(sumDy, dyRow, sumDy);
            TensorPrimitives.MultiplyAdd(dyRow, xhat, sumDyXhat, sumDyXhat);
        }
        if (!dbeta.IsEmpty) TensorPrimitives.Add(dbeta[..channels], sumDy, dbeta[..channels]);
        if (!dgamma.IsEmpty) TensorPrimitives.Add(dgamma[..channels], sumDyXhat, dgamma[..channels]);
        if (dx.IsEmpty || rows == 0) return;

        // dx += scale·dy + (a + xhat·b) with scale = γ·invStd, a = −scale·Σdy/N, b = −scale·Σ(dy·xhat)/N.
        var scale = new float[channels];
        for (int c = 0; c < channels; c++) scale[c] = (gamma.IsEmpty ? 1f : gamma[c]) * invStd[c];
        var a = new float[channels];
        var b = new float[channels];
        if (batchStatistics)
            for (int c = 0; c < channels; c++)
            {
                a[c] = -scale[c] * sumDy[c] / rows;
                b[c] = -scale[c] * sumDyXhat[c] / rows;
            }
        for (int r = 0; r < rows; r++)
        {
            var dxRow = dx.Slice(r * channels, channels);
            TensorPrimitives.MultiplyAdd(dy.Slice(r * channels, channels), scale, dxRow, dxRow);
            if (!batchStatistics) continue;
            TensorPrimitives.Subtract(x.Slice(r * channels, channels), mean[..channels], xhat);
            TensorPrimitives.Multiply(xhat, invStd, xhat);
            TensorPrimitives.MultiplyAdd(xhat, b, dxRow, dxRow);
            TensorPrimitives.Add(dxRow, a, dxRow);
        }
    }

    private static void Validate(int length, int rows, int channels, int meanLength, int varianceLength)
    {
        if (rows < 0 || channels < 0 || length < (long)rows * channels || meanLength < channels || varianceLength < channels)
            throw new ArgumentException($"Batch norm of {rows}×{channels} got {length} inputs, {meanLength} means and {varianceLength} variances.");
    }
}
