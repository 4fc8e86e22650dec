using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Layer normalisation over the last axis of (rows, cols) data; see <see cref="NaiveLayerNorm"/>.
/// Each row is handled with vectorised TensorPrimitives passes (sum, centred sum of squares, one
/// fused multiply-add); float sums where the twin uses double (about 1e-6 relative apart).
/// </summary>
internal static class LayerNormKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols)
    {
        Validate(x.Length, y.Length, mean.Length, rstd.Length, rows, cols);
        if (cols == 0) return;
        Span<float> xhat = cols <= 1024 ? stackalloc float[cols] : new float[cols];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * cols, cols);
            float m = TensorPrimitives.Sum(row) / cols;
            TensorPrimitives.Subtract(row, m, xhat);
            float s = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xhat) / cols + epsilon);
            mean[r] = m;
            rstd[r] = s;
            var yRow = y.Slice(r * cols, cols);
            TensorPrimitives.Multiply(xhat, s, yRow);
            if (!gamma.IsEmpty) TensorPrimitives.Multiply(yRow, gamma[..cols], yRow);
            if (!beta.IsEmpty) TensorPrimitives.Add(yRow, beta[..cols], yRow);
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int cols)
    {
        Validate(x.Length, dy.Length, mean.Length, rstd.Length, rows, cols);
        if (cols == 0) return;
        Span<float> xhat = cols <= 1024 ? stackalloc float[cols] : new float[cols];
        Span<float> g = cols <= 1024 ? stackalloc float[cols] : new float[cols];
        for (int r = 0; r < rows; r++)
        {
            var dyRow = dy.Slice(r * cols, cols);
            TensorPrimitives.Subtract(x.Slice(r * cols, cols), mean[r], xhat);
            TensorPrimitives.Multiply(xhat, rstd[r], xhat);
            if (!dgamma.IsEmpty) TensorPrimitives.MultiplyAdd(dyRow, xhat, dgamma[..cols], dgamma[..cols]);
            if (!dbeta.IsEmpty) TensorPrimitives.Add(dbeta[..cols], dyRow, dbeta[..cols]);
            if (dx.IsEmpty) continue;
            if (gamma.IsEmpty) dyRow.CopyTo(g);
            else TensorPrimitives.Multiply(dyRow, gamma[..cols], g);
            float meanG = TensorPrimitives.Sum(g) / cols;
            float meanGXhat = TensorPrimitives.Dot(g, xhat) / cols;
            // dx += rstd·g − rstd·meanG − xhat·(rstd·meanGXhat)
            var dxRow = dx.Slice(r * cols, cols);
            TensorPrimitives.MultiplyAdd(g, rstd[r], dxRow, dxRow);
            TensorPrimitives.MultiplyAdd(xhat, -rstd[r] * meanGXhat, dxRow, dxRow);
            TensorPrimitives.Add(dxRow, -rstd[r] * meanG, dxRow);
        }
    }

    private static void Validate(int xLength, int otherLength, int meanLength, int rstdLength, int rows, int cols)
    {
        long n = (long)rows * cols;
        if (rows < 0 || cols < 0 || xLength < n || otherLength < n || meanLength < rows || rstdLength < rows)
            throw new ArgumentException($"Layer norm of {rows}×{cols} got buffers of {xLength}, {otherLength}, {meanLength} and {rstdLength} elements.");
    }
}
