using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Kernel and bias gradients of a 'valid' convolution (+ ReLU) followed by a max-pool whose strides
/// equal its size, read straight from the pool's gradient: dw += Σ col(pixel)ᵀ·dConv(pixel) and
/// db += Σ dConv, where dConv is the pool's scatter of dy to each window's argmax, through the ReLU
/// mask (y &gt; 0, y the pooled output, is the mask at the argmax). dConv is never written to memory:
/// each band of pooled rows is expanded into a small tile (every window pixel gets dy where it is the
/// argmax, zero elsewhere) and reduced by the direct micro-kernel while it is in L1. For a first layer,
/// whose input needs no gradient, this replaces the pool's backward scatter over the whole
/// convolution output, the ReLU mask pass and the kernel gradient's read of it.
/// </summary>
/// <remarks>
/// Determinism as <see cref="ConvBackwardKernel"/>: the batch is cut into at most
/// <see cref="MaxChunks"/> chunks of a size that depends on the batch only, each summed into its own
/// partial in a fixed order and the partials added in chunk order, so the result is bit-identical
/// for any thread count. The bias sums run over the pooled gradient (the zeros of dConv add nothing),
/// so db differs from the unfused chain's by float32 rounding only.
/// </remarks>
internal sealed unsafe class ConvPoolKernelGradient : IParallelBody
{
    private const int MaxChunks = 16;
    private const int RunPixels = 256; // convolution pixels per micro-kernel call (at least one band of pooled rows)

    [ThreadStatic] private static ConvPoolKernelGradient? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _dy, _y, _partials, _biasPartials;
    private int* _argmax, _taps;
    private int _k, _np, _chunkImages, _poolH, _poolW, _pooledH, _pooledW, _bandRows;
    private bool _relu;

    /// <summary>
    /// dw (K, Cout) += ∂L/∂w and db (Cout, or null) += ∂L/∂b, given the pooled gradient dy, the pooled
    /// output y (read only with <paramref name="relu"/>) and argmax from <see cref="ConvPoolForward"/>
    /// for the same geometry. The caller checks lengths.
    /// </summary>
    public static void Run(float* x, float* dy, float* y, int* argmax, float* dw, float* db, in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        if (!Inference.DirectConvPool.Fits(g))
            throw new ArgumentException($"ConvPoolKernelGradient needs an unpadded convolution whose windows lie inside the input; got {g}.");
        if (poolH < 1 || poolW < 1) throw new ArgumentOutOfRangeException(nameof(poolH), $"Pool size must be positive; got ({poolH}, {poolW}).");
        int pooledH = g.OutH / poolH, pooledW = g.OutW / poolW;
        if (g.Batch == 0 || pooledH == 0 || pooledW == 0 || g.OutC == 0) return;
        int k = g.KernelH * g.KernelW * g.InC, np = ConvMicroKernel.Padded(g.OutC);
        var body = t_instance ??= new ConvPoolKernelGradient();
        int chunkImages = (g.Batch + MaxChunks - 1) / MaxChunks;
        int chunks = (g.Batch + chunkImages - 1) / chunkImages;
        body._g = g;
        body._x = x;
        body._dy = dy;
        body._y = y;
        body._argmax = argmax;
        (body._k, body._np, body._chunkImages, body._relu) = (k, np, chunkImages, relu);
        (body._poolH, body._poolW, body._pooledH, body._pooledW) = (poolH, poolW, pooledH, pooledW);
        body._bandRows = Math.Clamp(RunPixels / (poolH * pooledW * poolW), 1, pooledH);
        body._partials = Scratch.Floats(Scratch.Packed, chunks * (k + 1L) * np);
        body._biasPartials = body._partials + (long)chunks * k * np;
        body._taps = Scratch.Ints(Scratch.Packed, k);
        ConvLayout.FillTaps(body._taps, g);
        long work = (long)g.Batch * pooledH * poolH * pooledW * poolW * k * g.OutC;
        try { WorkerPool.Shared.For(chunks, body, work); }
        finally { body._x = body._dy = body._y = null; body._argmax = null; }

        if (db != null)
        {
            var biasTotal = new Span<float>(body._biasPartials, np);
            for (int c = 1; c < chunks; c++)
                TensorPrimitives.Add(biasTotal, new ReadOnlySpan<float>(body._biasPartials + (long)c * np, np), biasTotal);
            var dbSpan = new Span<float>(db, g.OutC);
            TensorPrimitives.Add(dbSpan, biasTotal[..g.OutC], dbSpan);
        }
        int size = k * np;
        var total = new Span<float>(body._partials, size);
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(body._partials + (long)c * size, size), total);
        for (int r = 0; r < k; r++)
        {
            var dwRow = new Span<float>(dw + r * g.OutC, g.OutC);
            TensorPrimitives.Add(dwRow, total.Slice(r * np, g.OutC), dwRow);
        }
        body._partials = body._biasPartials = null;
        body._taps = null;
    }

    public void Execute(int chunk)
    {
        ref readonly var g = ref _g;
        int k = _k, np = _np, ph = _poolH, pw = _poolW, cout = g.OutC;
        float* partial = _partials + (long)chunk * k * np;
        float* biasPartial = _biasPartials + (long)chunk * np;
        new Span<float>(partial, k * np).Clear();
        new Span<float>(biasPartial, np).Clear();
        int width = _pooledW * pw, bandPixels = ph * width;
        float* tile = Scratch.Floats(Scratch.TileA, (long)_bandRows * bandPixels * np);
        int* offsets = Scratch.Ints(Scratch.TileA, (long)_bandRows * bandPixels);
        // Pixel offsets of a band of pooled rows from its first pooled row's corner; each band shifts the image pointer.
        for (int t = 0; t < _bandRows * ph; t++)
            for (int jj = 0; jj < width; jj++)
                offsets[t * width + jj] = (t * g.StrideH * g.InW + jj * g.StrideW) * g.InC;
        var (tapMin, tapMax) = ConvLayout.TableRange(_taps, k);
        long imageLength = (long)g.InH * g.InW * g.InC, pooledImage = (long)_pooledH * _pooledW * cout;
        long pooledRowStep = (long)ph * g.StrideH * g.InW * g.InC;
        int nEnd = Math.Min(g.Batch, (chunk + 1) * _chunkImages);
        for (int n = chunk * _chunkImages; n < nEnd; n++)
        {
            float* image = _x + n * imageLength;
            for (int q0 = 0; q0 < _pooledH; q0 += _bandRows)
            {
                int rows = Math.Min(_bandRows, _pooledH - q0);
                for (int q = q0; q < q0 + rows; q++)
                    for (int j = 0; j < _pooledW; j++)
                    {
                        long o = n * pooledImage + ((long)q * _pooledW + j) * cout;
                        int corner = (int)(((long)n * g.OutH + q * ph) * g.OutW + j * pw) * cout;
                        float* first = tile + ((long)(q - q0) * ph * width + j * pw) * np;
                        Expand(_dy + o, _relu ? _y + o : null, _argmax + o, cout, np, ph, pw, (long)width * np, corner, g.OutW * cout, first, biasPartial);
                    }
                int m = rows * bandPixels;
                float* band = image + q0 * pooledRowStep;
                KernelBounds.Range(q0 * pooledRowStep + tapMin, offsets[m - 1] + tapMax - tapMin + 1, imageLength);
                ConvMicroKernel.Run(band, _taps, offsets, m, tile, np, np, partial, np, k, cout, null, accumulate: true);
            }
        }
    }

    /// <summary>
    /// One pooled pixel's window in the tile: row (di, dj) of <paramref name="np"/> floats, at
    /// first + di·rowStride + dj·np, gets g[c] = dy[c] (0 where y[c] ≤ 0 with <paramref name="y"/>)
    /// where argmax[c] is that pixel's index (corner + di·convRow + dj·cout + c), else 0; zero past cout.
    /// bias[c] += g[c].
    /// </summary>
    private static void Expand(float* dy, float* y, int* argmax, int cout, int np, int ph, int pw, long rowStride, int corner, int convRow,
        float* first, float* bias)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; c + 16 <= cout; c += 16)
            {
                var grad = Vector512.Load(dy + c);
                if (y != null) grad = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(y + c), Vector512<float>.Zero), grad, Vector512<float>.Zero);
                Vector512.Store(Vector512.Load(bias + c) + grad, bias + c);
                var at = Vector512.Load(argmax + c) - Vector512<int>.Indices - Vector512.Create(corner + c);
                for (int di = 0; di < ph; di++)
                    for (int dj = 0; dj < pw; dj++)
                    {
                        var hit = Vector512.Equals(at, Vector512.Create(di * convRow + dj * cout)).AsSingle();
                        Vector512.Store(grad & hit, first + di * rowStride + dj * np + c);
                    }
            }
        if (Vector256.IsHardwareAccelerated)
            for (; c + 8 <= cout; c += 8)
            {
                var grad = Vector256.Load(dy + c);
                if (y != null) grad = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(y + c), Vector256<float>.Zero), grad, Vector256<float>.Zero);
                Vector256.Store(Vector256.Load(bias + c) + grad, bias + c);
                var at = Vector256.Load(argmax + c) - Vector256<int>.Indices - Vector256.Create(corner + c);
                for (int di = 0; di < ph; di++)
                    for (int dj = 0; dj < pw; dj++)
                    {
                        var hit = Vector256.Equals(at, Vector256.Create(di * convRow + dj * cout)).AsSingle();
                        Vector256.Store(grad & hit, first + di * rowStride + dj * np + c);
                    }
            }
        if (Vector128.IsHardwareAccelerated)
            for (; c + 4 <= cout; c += 4)
            {
                var grad = Vector128.Load(dy + c);
                if (y != null) grad = Vector128.ConditionalSelect(Vector128.GreaterThan(Vector128.Load(y + c), Vector128<float>.Zero), grad, Vector128<float>.Zero);
                Vector128.Store(Vector128.Load(bias + c) + grad, bias + c);
                var at = Vector128.Load(argmax + c) - Vector128<int>.Indices - Vector128.Create(corner + c);
                for (int di = 0; di < ph; di++)
                    for (int dj = 0; dj < pw; dj++)
                    {
                        var hit = Vector128.Equals(at, Vector128.Create(di * convRow + dj * cout)).AsSingle();
                        Vector128.Store(grad & hit, first + di * rowStride + dj * np + c);
                    }
            }
        for (; c < cout; c++)
        {
            float grad = y != null && !(y[c] > 0) ? 0f : dy[c];
            bias[c] += grad;
            int at = argmax[c] - corner - c;
            for (int di = 0; di < ph; di++)
                for (int dj = 0; dj < pw; dj++)
                    first[di * rowStride + dj * np + c] = at == di * convRow + dj * cout ? grad : 0f;
        }
        for (int di = 0; di < ph; di++)
            for (int dj = 0; dj < pw; dj++)
                new Span<float>(first + di * rowStride + dj * np + cout, np - cout).Clear();
    }
}
