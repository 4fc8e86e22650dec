using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Batch normalisation over (rows, channels) data; see <see cref="NaiveBatchNorm"/> for the
/// contract. Vectorised along the channel axis: every pass walks the rows and updates a whole
/// channel row at once, so memory is read in order. Sums are kept in float per channel (the twin
/// uses double); they agree to about 1e-6 relative for the batch sizes of training. The sums walk
/// the rows in order on one thread; the row-wise passes (normalising, and the input gradient) run
/// in blocks of rows on the worker pool, each row with the same operations, so any split gives the
/// same bits.
/// </summary>
internal static unsafe class BatchNormKernel
{
    /// <summary>Elements per task of the row-wise passes.</summary>
    private const int TaskElements = 16384;

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
        fixed (float* px = x, py = y, pscale = scale, pshift = shift)
            RowPasses.Run(new RowPasses.Arguments { X = px, Y = py, Scale = pscale, Shift = pshift, Rows = rows, Channels = channels });
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
        fixed (float* px = x, pmean = mean, pdy = dy, pdx = dx, pscale = scale, pinv = invStd, pa = a, pb = b)
            RowPasses.Run(new RowPasses.Arguments
            {
                X = px, Y = pdx, Dy = pdy, Mean = pmean, InvStd = pinv, Scale = pscale, Shift = pa, B = pb,
                Rows = rows, Channels = channels, Backward = true, BatchStatistics = batchStatistics,
            });
    }

    /// <summary>
    /// The row-wise passes in blocks of rows over the worker pool. Forward: y = x·scale + shift.
    /// Backward: dx += dy·scale, then (batch statistics) dx += xhat·b, dx += a with
    /// xhat = (x − mean)·invStd, a in <see cref="Arguments.Shift"/>: the operations of the one-thread
    /// loop, row by row, so the bits do not depend on the split.
    /// </summary>
    private sealed class RowPasses : IParallelBody
    {
        public struct Arguments
        {
            public float* X, Y, Dy, Mean, InvStd, Scale, Shift, B;
            public int Rows, Channels;
            public bool Backward, BatchStatistics;
        }

        [ThreadStatic] private static RowPasses? t_instance;
        private Arguments _a;
        private int _rowsPerTask;

        public static void Run(Arguments a)
        {
            if (a.Rows == 0 || a.Channels == 0) return;
            var body = t_instance ??= new RowPasses();
            body._a = a;
            body._rowsPerTask = Math.Max(1, TaskElements / a.Channels);
            int tasks = (a.Rows + body._rowsPerTask - 1) / body._rowsPerTask;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._a = default; }
        }

        public void Execute(int task)
        {
            int c = _a.Channels, first = task * _rowsPerTask, end = Math.Min(_a.Rows, first + _rowsPerTask);
            KernelBounds.Range(first, end - first, _a.Rows);
            var scale = new ReadOnlySpan<float>(_a.Scale, c);
            var shift = new ReadOnlySpan<float>(_a.Shift, c);
            if (!_a.Backward)
            {
                for (int r = first; r < end; r++)
                    TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(_a.X + (long)r * c, c), scale, shift, new Span<float>(_a.Y + (long)r * c, c));
                return;
            }
            var mean = new ReadOnlySpan<float>(_a.Mean, c);
            var invStd = new ReadOnlySpan<float>(_a.InvStd, c);
            var b = new ReadOnlySpan<float>(_a.B, c);
            Span<float> xhat = c <= 512 ? stackalloc float[c] : new float[c];
            for (int r = first; r < end; r++)
            {
                var dxRow = new Span<float>(_a.Y + (long)r * c, c);
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(_a.Dy + (long)r * c, c), scale, dxRow, dxRow);
                if (!_a.BatchStatistics) continue;
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(_a.X + (long)r * c, c), mean, xhat);
                TensorPrimitives.Multiply(xhat, invStd, xhat);
                TensorPrimitives.MultiplyAdd(xhat, b, dxRow, dxRow);
                TensorPrimitives.Add(dxRow, shift, dxRow);
            }
        }
    }

    private static void Validate(int length, int rows, int channels, int meanLength, int varianceLength)
    {
        if (rows < 0 || channels < 0 || length < (long)rows * channels || meanLength < channels || varianceLength < channels)
            throw new ArgumentException($"Batch norm of {rows}×{channels} got {length} inputs, {meanLength} means and {varianceLength} variances.");
    }
}
