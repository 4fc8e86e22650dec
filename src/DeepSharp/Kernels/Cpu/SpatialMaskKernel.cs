using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Spatial dropout's product: x (batch, positions, channels) times a per-sample channel mask (batch,
/// channels) broadcast over the positions, y[b, p, c] = x[b, p, c]·mask[b, c], or accumulated into y
/// (the backward pass, dx += dy·mask). Runs of one sample's positions spread over the worker pool in
/// tasks of about <see cref="TaskElements"/> elements, each multiplied by the mask row repeated into a
/// tile, so the products run over long spans even for few channels. Each element is one product (plus
/// one sum), so the bits never depend on the thread count. <see cref="Reference.NaiveSpatialMask"/> is the contract.
/// </summary>
internal static unsafe class SpatialMaskKernel
{
    private const int TaskElements = 16384;
    private const int TileElements = 1024; // the mask row repeated: products over runs this long, not one row at a time

    /// <summary>y[b, p, c] = x[b, p, c]·mask[b, c] (or y += that when <paramref name="accumulate"/>).</summary>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y, int batch, int positions, int channels, bool accumulate)
    {
        long n = (long)batch * positions * channels;
        if (batch < 0 || positions < 0 || channels < 0 || x.Length != n || y.Length != n || mask.Length != (long)batch * channels)
            throw new ArgumentException($"Spatial mask: x has {x.Length}, y {y.Length} and the mask {mask.Length} elements for (batch {batch}, positions {positions}, channels {channels}).");
        if (n == 0) return;
        fixed (float* px = x, pm = mask, py = y)
            Body.Run(px, pm, py, batch, positions, channels, accumulate);
    }

    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _x, _mask, _y;
        private int _positions, _channels, _positionsPerTask, _tasksPerSample;
        private bool _accumulate;

        public static void Run(float* x, float* mask, float* y, int batch, int positions, int channels, bool accumulate)
        {
            var body = t_instance ??= new Body();
            body._x = x;
            body._mask = mask;
            body._y = y;
            (body._positions, body._channels, body._accumulate) = (positions, channels, accumulate);
            body._positionsPerTask = Math.Max(1, TaskElements / channels);
            body._tasksPerSample = (positions + body._positionsPerTask - 1) / body._positionsPerTask;
            int tasks = batch * body._tasksPerSample;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._x = body._mask = body._y = null; }
        }

        /// <summary>One sample's run of positions: the mask row repeated into a tile of up to <see cref="TileElements"/>, then whole tiles at a time.</summary>
        public void Execute(int task)
        {
            int c = _channels, sample = task / _tasksPerSample;
            int first = task % _tasksPerSample * _positionsPerTask, end = Math.Min(_positions, first + _positionsPerTask);
            long start = ((long)sample * _positions + first) * c, length = (long)(end - first) * c;
            KernelBounds.Range(start, length, (long)(sample + 1) * _positions * c);
            var row = new ReadOnlySpan<float>(_mask + (long)sample * c, c);
            int tileRows = Math.Max(1, TileElements / c);
            Span<float> tile = tileRows == 1 ? default : stackalloc float[tileRows * c];
            for (int r = 0; r < tileRows && tileRows > 1; r++) row.CopyTo(tile.Slice(r * c, c));
            ReadOnlySpan<float> m = tileRows == 1 ? row : tile;
            for (long done = 0; done < length; done += m.Length)
            {
                int n = (int)Math.Min(m.Length, length - done);
                var xs = new ReadOnlySpan<float>(_x + start + done, n);
                var ys = new Span<float>(_y + start + done, n);
                if (_accumulate) TensorPrimitives.MultiplyAdd(xs, m[..n], ys, ys);
                else TensorPrimitives.Multiply(xs, m[..n], ys);
            }
        }
    }
}
