using System.Numerics;
using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Batch normalisation over (rows, channels) data; see <see cref="NaiveBatchNorm"/> for the
/// contract. Vectorised along the channel axis: every pass walks the rows and updates a whole
/// channel row at once, so memory is read in order. Every pass runs on the worker pool with a split
/// that depends on the shape only: the sums (the moments, and Σdy, Σdy·xhat of the gradient) in
/// <see cref="BatchNormSums"/>'s fixed blocks of rows, added in block order in double; the row-wise
/// passes (normalising, the input gradient) in blocks of rows, each row with the same operations.
/// So any thread count gives the same bits. The sums agree with the twin's double sums to about
/// 1e-6 relative.
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
        if (rows == 0 || channels == 0) return;
        int blockRows = BatchNormSums.BlockRows(rows, channels), blocks = (rows + blockRows - 1) / blockRows;
        float* partial = Scratch.Floats(Scratch.Packed, 2L * blocks * channels);
        fixed (float* px = x) BatchNormSums.Run(px, null, null, partial, rows, channels);
        // Chan et al.: the mean of the block sums, then M2 = Σ_b M2_b + n_b·(m_b − mean)², in double.
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < blocks; b++) sum += partial[(long)b * 2 * channels + c];
            double mu = sum / rows, m2 = 0;
            for (int b = 0; b < blocks; b++)
            {
                int n = Math.Min(blockRows, rows - b * blockRows);
                float* part = partial + (long)b * 2 * channels;
                double d = (double)(part[c] / n) - mu;
                m2 += part[channels + c] + n * d * d;
            }
            m[c] = (float)mu;
            v[c] = (float)(m2 / rows);
        }
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
        int rows, int channels, bool batchStatistics, bool accumulateDx = true)
    {
        Validate(x.Length, rows, channels, mean.Length, variance.Length);
        if (dy.Length < rows * channels) throw new ArgumentException("dy is shorter than x.", nameof(dy));
        var invStd = new float[channels];
        var sumDy = new float[channels];
        var sumDyXhat = new float[channels];
        for (int c = 0; c < channels; c++) invStd[c] = 1f / MathF.Sqrt(variance[c] + epsilon);
        if (rows > 0 && channels > 0)
        {
            int blockRows = BatchNormSums.BlockRows(rows, channels), blocks = (rows + blockRows - 1) / blockRows;
            float* partial = Scratch.Floats(Scratch.Packed, 2L * blocks * channels);
            fixed (float* px = x, pdy = dy, pmean = mean) BatchNormSums.Run(px, pdy, pmean, partial, rows, channels);
            for (int c = 0; c < channels; c++)
            {
                double s = 0, t = 0;
                for (int k = 0; k < blocks; k++)
                {
                    s += partial[(long)k * 2 * channels + c];
                    t += partial[(long)k * 2 * channels + channels + c];
                }
                sumDy[c] = (float)s;
                sumDyXhat[c] = (float)(t * invStd[c]);
            }
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
                Rows = rows, Channels = channels, Backward = true, BatchStatistics = batchStatistics, Overwrite = !accumulateDx,
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
            public bool Backward, BatchStatistics, Overwrite;
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
                else WorkerPool.Shared.For(tasks, body, (long)a.Rows * a.Channels);
            }
            finally { body._a = default; }
        }

        public void Execute(int task)
        {
            int c = _a.Channels, first = task * _rowsPerTask, end = Math.Min(_a.Rows, first + _rowsPerTask);
            KernelBounds.Range(first, end - first, _a.Rows);
            if (!_a.Backward) Forward(_a.X, _a.Y, _a.Scale, _a.Shift, first, end, c);
            else if (_a.BatchStatistics) BackwardWithStatistics(first, end, c);
            else BackwardScaleOnly(_a.Dy, _a.Y, _a.Scale, first, end, c, _a.Overwrite);
        }

        /// <summary>y = fma(x, scale, shift).</summary>
        private static void Forward(float* x, float* y, float* scale, float* shift, int first, int end, int c)
        {
            int w = Vector<float>.Count, vectorEnd = Vector.IsHardwareAccelerated ? c - c % w : 0;
            for (long o = (long)first * c, rowEnd = (long)end * c; o < rowEnd; o += c)
            {
                int j = 0;
                for (; j < vectorEnd; j += w)
                    Vector.FusedMultiplyAdd(Vector.Load(x + o + j), Vector.Load(scale + j), Vector.Load(shift + j)).Store(y + o + j);
                for (; j < c; j++) y[o + j] = MathF.FusedMultiplyAdd(x[o + j], scale[j], shift[j]);
            }
        }

        /// <summary>dx += dy·scale (moving statistics: constants); with <paramref name="overwrite"/>, dx = dy·scale.</summary>
        private static void BackwardScaleOnly(float* dy, float* dx, float* scale, int first, int end, int c, bool overwrite)
        {
            int w = Vector<float>.Count, vectorEnd = Vector.IsHardwareAccelerated ? c - c % w : 0;
            for (long o = (long)first * c, rowEnd = (long)end * c; o < rowEnd; o += c)
            {
                int j = 0;
                for (; j < vectorEnd; j += w)
                {
                    var g = Vector.Load(dy + o + j) * Vector.Load(scale + j);
                    (overwrite ? g : Vector.Load(dx + o + j) + g).Store(dx + o + j);
                }
                for (; j < c; j++)
                {
                    float g = dy[o + j] * scale[j];
                    dx[o + j] = overwrite ? g : dx[o + j] + g;
                }
            }
        }

        /// <summary>
        /// dx += dy·scale + ((x − mean)·invStd)·b + a, added left to right; with
        /// <see cref="Arguments.Overwrite"/>, dx = dy·scale + … (dx's old contents are not read).
        /// </summary>
        private void BackwardWithStatistics(int first, int end, int c)
        {
            float* x = _a.X, dy = _a.Dy, dx = _a.Y, mean = _a.Mean, invStd = _a.InvStd, scale = _a.Scale, a = _a.Shift, b = _a.B;
            bool overwrite = _a.Overwrite;
            int w = Vector<float>.Count, vectorEnd = Vector.IsHardwareAccelerated ? c - c % w : 0;
            for (long o = (long)first * c, rowEnd = (long)end * c; o < rowEnd; o += c)
            {
                int j = 0;
                for (; j < vectorEnd; j += w)
                {
                    var xhat = (Vector.Load(x + o + j) - Vector.Load(mean + j)) * Vector.Load(invStd + j);
                    var g = Vector.Load(dy + o + j) * Vector.Load(scale + j);
                    if (!overwrite) g = Vector.Load(dx + o + j) + g;
                    g += xhat * Vector.Load(b + j);
                    (g + Vector.Load(a + j)).Store(dx + o + j);
                }
                for (; j < c; j++)
                {
                    float xhat = (x[o + j] - mean[j]) * invStd[j];
                    float g = dy[o + j] * scale[j];
                    if (!overwrite) g = dx[o + j] + g;
                    g += xhat * b[j];
                    dx[o + j] = g + a[j];
                }
            }
        }
    }

    private static void Validate(int length, int rows, int channels, int meanLength, int varianceLength)
    {
        if (rows < 0 || channels < 0 || length < (long)rows * channels || meanLength < channels || varianceLength < channels)
            throw new ArgumentException($"Batch norm of {rows}×{channels} got {length} inputs, {meanLength} means and {varianceLength} variances.");
    }
}
