using System.Numerics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The per-channel sums of batch normalisation in fixed blocks of rows, on the worker pool. The
/// blocks depend on the shape only (<see cref="BlockRows"/>), never on the thread count; each block
/// writes its partial sums to its own slot, and the caller adds the slots in block order (in
/// double), so any number of threads gives the same bits. Within a block each channel is summed
/// row by row from zero, with the same operations in the vector lanes and the scalar tail, so the
/// vector width does not change the bits either.
/// </summary>
/// <remarks>
/// Moments: a block writes Σx and Σ(x − m_b)² about its own mean m_b = Σx/n_b (the block is still
/// in L1/L2 for the second visit, so x is read from memory once); the caller combines them as
/// Chan et al.'s parallel variance: M2 = Σ_b M2_b + n_b·(m_b − mean)². Backward: a block writes Σdy
/// and Σdy·(x − mean).
/// </remarks>
internal sealed unsafe class BatchNormSums : IParallelBody
{
    /// <summary>Elements a block aims at (its rows stay in a core's L1/L2 between the two visits of the moments).</summary>
    private const int BlockElements = 8192;

    /// <summary>At most this many blocks, so that the partial sums stay small beside the data.</summary>
    private const int MaxBlocks = 256;

    [ThreadStatic] private static BatchNormSums? t_instance;
    private float* _x, _dy, _mean, _partial;
    private int _rows, _channels, _blockRows;

    /// <summary>Rows per block for a (rows, channels) input: a function of the shape only.</summary>
    public static int BlockRows(int rows, int channels) =>
        Math.Max(Math.Max(1, BlockElements / Math.Max(1, channels)), (rows + MaxBlocks - 1) / MaxBlocks);

    /// <summary>
    /// Per-block sums into <paramref name="partial"/> (2·channels floats per block, blocks of
    /// <see cref="BlockRows"/>): Σx and Σ(x − m_b)² when <paramref name="dy"/> is null, else Σdy and
    /// Σdy·(x − mean).
    /// </summary>
    public static void Run(float* x, float* dy, float* mean, float* partial, int rows, int channels)
    {
        if (rows == 0 || channels == 0) return;
        var body = t_instance ??= new BatchNormSums();
        body._x = x;
        body._dy = dy;
        body._mean = mean;
        body._partial = partial;
        (body._rows, body._channels, body._blockRows) = (rows, channels, BlockRows(rows, channels));
        int blocks = (rows + body._blockRows - 1) / body._blockRows;
        try { WorkerPool.Shared.For(blocks, body, (long)rows * channels); }
        finally { body._x = body._dy = body._mean = body._partial = null; }
    }

    public void Execute(int block)
    {
        int c = _channels, first = block * _blockRows, n = Math.Min(_rows, first + _blockRows) - first;
        KernelBounds.Range(first, n, _rows);
        float* x = _x + (long)first * c, outA = _partial + (long)block * 2 * c, outB = outA + c;
        if (_dy is null)
        {
            ColumnSums(x, n, c, outA);
            Span<float> blockMean = c <= 1024 ? stackalloc float[c] : new float[c];
            for (int j = 0; j < c; j++) blockMean[j] = outA[j] / n;
            fixed (float* m = blockMean) SquaredDeviations(x, m, n, c, outB);
        }
        else GradientSums(x, _dy + (long)first * c, _mean, n, c, outA, outB);
    }

    /// <summary>sum[j] = Σ_r x[r·c + j], rows in order.</summary>
    private static void ColumnSums(float* x, int rows, int c, float* sum)
    {
        int w = Vector<float>.Count, j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + 4 * w <= c; j += 4 * w)
            {
                Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (float* p = x + j, end = p + (long)rows * c; p < end; p += c)
                {
                    a0 += Vector.Load(p);
                    a1 += Vector.Load(p + w);
                    a2 += Vector.Load(p + 2 * w);
                    a3 += Vector.Load(p + 3 * w);
                }
                a0.Store(sum + j); a1.Store(sum + j + w); a2.Store(sum + j + 2 * w); a3.Store(sum + j + 3 * w);
            }
            for (; j + w <= c; j += w)
            {
                Vector<float> a = default;
                for (float* p = x + j, end = p + (long)rows * c; p < end; p += c) a += Vector.Load(p);
                a.Store(sum + j);
            }
        }
        for (; j < c; j++)
        {
            float a = 0f;
            for (float* p = x + j, end = p + (long)rows * c; p < end; p += c) a += *p;
            sum[j] = a;
        }
    }

    /// <summary>sq[j] = Σ_r d·d with d = x[r·c + j] − m[j], rows in order (multiply, then add: no fused step).</summary>
    private static void SquaredDeviations(float* x, float* m, int rows, int c, float* sq)
    {
        int w = Vector<float>.Count, j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + 2 * w <= c; j += 2 * w)
            {
                Vector<float> m0 = Vector.Load(m + j), m1 = Vector.Load(m + j + w), a0 = default, a1 = default;
                for (float* p = x + j, end = p + (long)rows * c; p < end; p += c)
                {
                    var d0 = Vector.Load(p) - m0;
                    var d1 = Vector.Load(p + w) - m1;
                    a0 += d0 * d0;
                    a1 += d1 * d1;
                }
                a0.Store(sq + j); a1.Store(sq + j + w);
            }
            for (; j + w <= c; j += w)
            {
                Vector<float> m0 = Vector.Load(m + j), a = default;
                for (float* p = x + j, end = p + (long)rows * c; p < end; p += c)
                {
                    var d = Vector.Load(p) - m0;
                    a += d * d;
                }
                a.Store(sq + j);
            }
        }
        for (; j < c; j++)
        {
            float a = 0f, mj = m[j];
            for (float* p = x + j, end = p + (long)rows * c; p < end; p += c)
            {
                float d = *p - mj;
                a += d * d;
            }
            sq[j] = a;
        }
    }

    /// <summary>sdy[j] = Σ_r dy, sdx[j] = Σ_r dy·(x − mean[j]), rows in order (multiply, then add).</summary>
    private static void GradientSums(float* x, float* dy, float* mean, int rows, int c, float* sdy, float* sdx)
    {
        int w = Vector<float>.Count, j = 0;
        long span = (long)rows * c;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + 2 * w <= c; j += 2 * w)
            {
                Vector<float> m0 = Vector.Load(mean + j), m1 = Vector.Load(mean + j + w);
                Vector<float> s0 = default, s1 = default, t0 = default, t1 = default;
                for (long o = j; o < span; o += c)
                {
                    var g0 = Vector.Load(dy + o);
                    var g1 = Vector.Load(dy + o + w);
                    s0 += g0;
                    s1 += g1;
                    t0 += g0 * (Vector.Load(x + o) - m0);
                    t1 += g1 * (Vector.Load(x + o + w) - m1);
                }
                s0.Store(sdy + j); s1.Store(sdy + j + w); t0.Store(sdx + j); t1.Store(sdx + j + w);
            }
            for (; j + w <= c; j += w)
            {
                Vector<float> m0 = Vector.Load(mean + j), s = default, t = default;
                for (long o = j; o < span; o += c)
                {
                    var g = Vector.Load(dy + o);
                    s += g;
                    t += g * (Vector.Load(x + o) - m0);
                }
                s.Store(sdy + j); t.Store(sdx + j);
            }
        }
        for (; j < c; j++)
        {
            float s = 0f, t = 0f, mj = mean[j];
            for (long o = j; o < span; o += c)
            {
                float g = dy[o];
                s += g;
                t += g * (x[o] - mj);
            }
            sdy[j] = s;
            sdx[j] = t;
        }
    }
}
