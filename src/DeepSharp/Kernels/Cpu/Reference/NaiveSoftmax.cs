namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Softmax"/>: softmax and log-softmax over the last axis of a
/// rows×cols matrix, with the row maximum subtracted first. Backward passes accumulate (+=).
/// </summary>
internal static class NaiveSoftmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * cols, cols);
            var yr = y.Slice(r * cols, cols);
            double max = double.NegativeInfinity;
            for (int c = 0; c < cols; c++) max = Math.Max(max, xr[c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.Exp(xr[c] - max);
            for (int c = 0; c < cols; c++) yr[c] = (float)(Math.Exp(xr[c] - max) / sum);
        }
    }

    /// <summary>dx += y ⊙ (dy − Σ dy·y), row by row.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double dot = 0;
            for (int c = 0; c < cols; c++) dot += (double)dy[o + c] * y[o + c];
            for (int c = 0; c < cols; c++) dx[o + c] += (float)(y[o + c] * (dy[o + c] - dot));
        }
    }

    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * cols, cols);
            var yr = y.Slice(r * cols, cols);
            double max = double.NegativeInfinity;
            for (int c = 0; c < cols; c++) max = Math.Max(max, xr[c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.Exp(xr[c] - max);
            double logSum = Math.Log(sum) + max;
            for (int c = 0; c < cols; c++) yr[c] = (float)(xr[c] - logSum);
        }
    }

    /// <summary>dx += dy − exp(y) · Σ dy, row by row (y is the log-softmax output).</summary>
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += dy[o + c];
            for (int c = 0; c < cols; c++) dx[o + c] += (float)(dy[o + c] - Math.Exp(y[o + c]) * sum);
        }
    }
}
