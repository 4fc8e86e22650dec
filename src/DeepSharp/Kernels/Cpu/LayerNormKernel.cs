using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Layer normalisation over the last axis of (rows, cols) data; see <see cref="NaiveLayerNorm"/>.
/// Float sums where the twin uses double (about 1e-6 relative apart).
/// </summary>
/// <remarks>
/// Rows go in fixed blocks (<see cref="LayerNormRows.BlockRows"/>, a function of the shape only)
/// over the worker pool; each row is one fused pass per step (<see cref="LayerNormRow"/>) instead
/// of a TensorPrimitives call per step (at 128 columns the calls cost as much as the arithmetic).
/// Backward: a block writes its column sums Σdy·xhat and Σdy to its own slot and the caller adds
/// the slots in block order, so any number of threads gives the same bits.
/// </remarks>
internal static unsafe class LayerNormKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols)
    {
        Validate(x.Length, y.Length, mean.Length, rstd.Length, rows, cols);
        CheckColumns(gamma.Length, beta.Length, cols);
        if (cols == 0 || rows == 0) return;
        fixed (float* px = x, pg = gamma, pb = beta, py = y, pm = mean, pr = rstd)
        {
            var args = new LayerNormArgs
            {
                X = px, Gamma = gamma.IsEmpty ? null : pg, Beta = beta.IsEmpty ? null : pb, Y = py, Mean = pm, Rstd = pr,
                Epsilon = epsilon, Rows = rows, Cols = cols,
            };
            LayerNormRows.Run(args);
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int cols)
    {
        Validate(x.Length, dy.Length, mean.Length, rstd.Length, rows, cols);
        CheckColumns(gamma.Length, 0, cols);
        if (!dx.IsEmpty && dx.Length < (long)rows * cols)
            throw new ArgumentException($"Layer norm of {rows}×{cols} got a dx buffer of {dx.Length} elements.");
        if ((!dgamma.IsEmpty && dgamma.Length < cols) || (!dbeta.IsEmpty && dbeta.Length < cols))
            throw new ArgumentException($"Layer norm of {rows}×{cols} got dgamma/dbeta buffers of {dgamma.Length}/{dbeta.Length} elements.");
        if (cols == 0 || rows == 0) return;
        bool sums = !dgamma.IsEmpty || !dbeta.IsEmpty;
        if (dx.IsEmpty && !sums) return;
        int blockRows = LayerNormRows.BlockRows(rows, cols), blocks = (rows + blockRows - 1) / blockRows;
        float* partial = sums ? Scratch.Floats(Scratch.Packed, 2L * blocks * cols) : null;
        fixed (float* px = x, pm = mean, pr = rstd, pg = gamma, pdy = dy, pdx = dx)
        {
            var args = new LayerNormArgs
            {
                X = px, Mean = pm, Rstd = pr, Gamma = gamma.IsEmpty ? null : pg, Dy = pdy, Dx = dx.IsEmpty ? null : pdx,
                Partial = partial, Rows = rows, Cols = cols, IsBackward = true,
            };
            LayerNormRows.Run(args);
        }
        if (!sums) return;
        for (int c = 0; c < cols; c++)
        {
            float sg = 0f, sb = 0f;
            for (int b = 0; b < blocks; b++)
            {
                sg += partial[(long)b * 2 * cols + c];
                sb += partial[(long)b * 2 * cols + cols + c];
            }
            if (!dgamma.IsEmpty) dgamma[c] += sg;
            if (!dbeta.IsEmpty) dbeta[c] += sb;
        }
    }

    private static void Validate(int xLength, int otherLength, int meanLength, int rstdLength, int rows, int cols)
    {
        long n = (long)rows * cols;
        if (rows < 0 || cols < 0 || xLength < n || otherLength < n || meanLength < rows || rstdLength < rows)
            throw new ArgumentException($"Layer norm of {rows}×{cols} got buffers of {xLength}, {otherLength}, {meanLength} and {rstdLength} elements.");
    }

    private static void CheckColumns(int gammaLength, int betaLength, int cols)
    {
        if ((gammaLength != 0 && gammaLength < cols) || (betaLength != 0 && betaLength < cols))
            throw new ArgumentException($"Layer norm over {cols} columns got gamma/beta of {gammaLength}/{betaLength} elements.");
    }
}
