using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution kernel gradient, dW (K, Cout) += colᵀ·dy summed over every output pixel.
/// </summary>
/// <remarks>
/// Determinism: the batch is cut into at most <see cref="MaxChunks"/> chunks of a size that
/// depends on the batch only; each chunk sums its images into its own partial (K, np) in a fixed
/// order, and the partials are added in chunk order at the end. Which thread runs a chunk never
/// matters, so dW is bit-identical for any thread count. Within a chunk, tiles of pixels are
/// im2col'd and the micro-kernel runs with A = the transposed tile (rows = taps, reduction over
/// pixels), vectorised over output channels.
/// </remarks>
internal sealed unsafe class ConvBackwardKernel : IParallelBody
{
    private const int MaxChunks = 16;
    private const int Tile = 128; // pixels per im2col tile

    [ThreadStatic] private static ConvBackwardKernel? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _dy, _partials;
    private int* _pixelOffsets;
    private int _k, _np, _chunkImages;

    public static void Run(float* x, float* dy, float* dw, in Conv2DGeometry g)
    {
        int k = g.KernelH * g.KernelW * g.InC, np = ConvMicroKernel.Padded(g.OutC);
        if (g.OutputLength == 0 || k == 0) return;
        var body = t_instance ??= new ConvBackwardKernel();
        int chunkImages = (g.Batch + MaxChunks - 1) / MaxChunks;
        int chunks = (g.Batch + chunkImages - 1) / chunkImages;
        body._g = g;
        body._x = x;
        body._dy = dy;
        body._k = k;
        body._np = np;
        body._chunkImages = chunkImages;
        body._partials = Scratch.Floats(Scratch.Packed, chunks * k * np);
        body._pixelOffsets = Scratch.Ints(Scratch.Packed, Tile);
        for (int r = 0; r < Tile; r++) body._pixelOffsets[r] = r * k;
        try { WorkerPool.Shared.For(chunks, body); }
        finally { body._x = body._dy = null; }

        int size = k * np;
        var total = new Span<float>(body._partials, size);
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(body._partials + (long)c * size, size), total);
        for (int r = 0; r < k; r++)
        {
            var dwRow = new Span<float>(dw + r * g.OutC, g.OutC);
            TensorPrimitives.Add(dwRow, total.Slice(r * np, g.OutC), dwRow);
        }
        body._partials = null;
    }

    public void Execute(int chunk)
    {
        ref readonly var g = ref _g;
        int k = _k, np = _np, pixels = g.OutH * g.OutW;
        float* partial = _partials + (long)chunk * k * np;
        new Span<float>(partial, k * np).Clear();
        float* col = Scratch.Floats(Scratch.TileA, Tile * k);
        float* dyPadded = g.OutC == np ? null : Scratch.Floats(Scratch.TileB, Tile * np);
        int nEnd = Math.Min(g.Batch, (chunk + 1) * _chunkImages);
        for (int n = chunk * _chunkImages; n < nEnd; n++)
        {
            float* image = _x + (long)n * g.InH * g.InW * g.InC;
            for (int p0 = 0; p0 < pixels; p0 += Tile)
            {
                int count = Math.Min(Tile, pixels - p0);
                for (int j = 0; j < count; j++)
                    ConvLayout.Im2ColPixel(image, g, (p0 + j) / g.OutW, (p0 + j) % g.OutW, col + j * k);
                float* b = _dy + ((long)n * pixels + p0) * g.OutC;
                int ldb = g.OutC;
                if (dyPadded != null)
                {
                    ConvLayout.PackKernel(b, count, g.OutC, np, dyPadded);
                    b = dyPadded;
                    ldb = np;
                }
                ConvMicroKernel.Run(col, 1, _pixelOffsets, count, b, ldb, np, partial, np, k, np, null, accumulate: true);
            }
        }
    }
}
