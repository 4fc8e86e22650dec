using DeepSharp.Kernels.Cpu.Conv;

namespace DeepSharp.Kernels.Cpu.Inference;

/// <summary>
/// Inference of a 3×3 stride-1 convolution (+ bias, + ReLU) followed by a 2×2 max-pool of stride 2,
/// in one pass: Winograd's F(2×2, 3×3) computes outputs in 2×2 tiles, and the tile at (2p, 2q) is
/// exactly the window of pooled pixel (p, q), so each tile's four outputs are pooled while they are
/// in registers' reach and the convolution's output is never written. The kernel transform comes
/// from a <see cref="WinogradKernel"/> built once per layer, not per call.
/// </summary>
/// <remarks>
/// Per work item (a run of up to <see cref="MaxTilesPerChunk"/> pooled pixels of one image): the
/// input transform (<see cref="WinogradTransforms.Input"/>), the 16 products on
/// <see cref="ConvMicroKernel"/>, the output transform (<see cref="WinogradTransforms.Output"/>, bias
/// and ReLU) into four rows of a small buffer, and their maximum, taken as the naive pool takes it
/// (a value replaces the best so far only when greater). The micro-kernel computes each row of a
/// product with the same operations whatever rows it is blocked with, so every pooled pixel has
/// the same bits as <see cref="WinogradF23"/>'s convolution followed by the max-pool, for any
/// chunking and any thread count. Pool rows and columns past the last whole window (an odd
/// convolution output) are never computed: 'valid' pooling drops them.
/// </remarks>
internal sealed unsafe class WinogradConvPool : IParallelBody
{
    /// <summary>Most tiles (pooled pixels) transformed and multiplied together.</summary>
    public const int MaxTilesPerChunk = 64;

    [ThreadStatic] private static WinogradConvPool? t_instance;

    private Conv2DGeometry _g;
    private WinogradKernel? _kernel;
    private float* _x, _y;
    private int _pooledH, _pooledW, _tilesPerChunk, _chunksPerImage;
    private bool _relu, _pool;

    /// <summary>Whether <paramref name="g"/> is a convolution this kernel computes: 3×3, stride 1, undilated (any padding).</summary>
    public static bool Fits(in Conv2DGeometry g) => WinogradF23.Fits(g);

    /// <summary>
    /// y (N, ⌊OutH/2⌋, ⌊OutW/2⌋, Cout) = maxpool₂ₓ₂(relu?(conv(x, w) + bias)) with w and bias from
    /// <paramref name="kernel"/>; <paramref name="chunks"/> is the fewest work items per image wanted
    /// (the thread count at batch 1; any value gives the same result). Without
    /// <paramref name="pool"/>, y is the convolution itself (N, OutH, OutW, Cout), each tile's outputs
    /// written in place (those past an odd edge dropped): <see cref="WinogradF23"/>'s bits, with the
    /// kernel transformed once.
    /// </summary>
    public static void Run(float* x, WinogradKernel kernel, float* y, in Conv2DGeometry g, bool relu, int chunks = 1, bool pool = true)
    {
        if (!Fits(g with { Batch = Math.Max(1, g.Batch) }) || kernel.InC != g.InC || kernel.OutC != g.OutC)
            throw new ArgumentException($"WinogradConvPool needs a 3×3 stride-1 undilated convolution matching its {kernel.InC}→{kernel.OutC} kernel; got {g}.");
        // The tile grid: one tile a pooled pixel, or (no pool) every output, the last row/column of tiles half outside at odd sizes.
        int pooledH = pool ? g.OutH / 2 : (g.OutH + 1) / 2, pooledW = pool ? g.OutW / 2 : (g.OutW + 1) / 2, tiles = pooledH * pooledW;
        if (g.Batch == 0 || tiles == 0) return;
        var body = t_instance ??= new WinogradConvPool();
        body._g = g;
        body._kernel = kernel;
        body._x = x;
        body._y = y;
        body._relu = relu;
        body._pool = pool;
        body._pooledH = pooledH;
        body._pooledW = pooledW;
        // Split for the threads in multiples of 8 tiles (the micro-kernel's row block): 25 tiles in two are 16 and 9.
        int perChunk = (tiles + Math.Max(1, chunks) - 1) / Math.Max(1, chunks);
        if (chunks > 1) perChunk = (perChunk + 7) / 8 * 8;
        body._tilesPerChunk = Math.Clamp(perChunk, 1, MaxTilesPerChunk);
        body._chunksPerImage = (tiles + body._tilesPerChunk - 1) / body._tilesPerChunk;
        long work = (long)g.Batch * tiles * 16 * g.InC * g.OutC;
        try { WorkerPool.Shared.For(g.Batch * body._chunksPerImage, body, work); }
        finally { body._x = body._y = null; body._kernel = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        var k = _kernel!;
        int n = index / _chunksPerImage, first = index % _chunksPerImage * _tilesPerChunk;
        int count = Math.Min(_tilesPerChunk, _pooledH * _pooledW - first);
        int cin = g.InC, cout = g.OutC, np = k.Np;
        long vRow = 16L * cin + WinogradKernel.PlaneSkew, mRow = 16L * np + WinogradKernel.PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, count * vRow);
        float* m = Scratch.Floats(Scratch.TileB, count * mRow);
        float* quad = Scratch.Floats(Scratch.TileC, 4L * cout);
        float** window = stackalloc float*[16];
        float** outputs = stackalloc float*[4];
        for (int i = 0; i < 4; i++) outputs[i] = quad + i * cout;
        float* image = _x + (long)n * g.InH * g.InW * cin;
        float* yImage = _y + (long)n * _pooledH * _pooledW * cout;
        float* zeros = k.Zeros;
        for (int t = 0; t < count; t++)
        {
            int tile = first + t, ih0 = tile / _pooledW * 2 - g.PadTop, iw0 = tile % _pooledW * 2 - g.PadLeft;
            for (int i = 0; i < 4; i++)
            {
                int ih = ih0 + i;
                for (int j = 0; j < 4; j++)
                {
                    int iw = iw0 + j;
                    bool inside = (uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW;
                    if (inside) KernelBounds.Range(((long)ih * g.InW + iw) * cin, cin, (long)g.InH * g.InW * cin);
                    window[4 * i + j] = inside ? image + ((long)ih * g.InW + iw) * cin : zeros;
                }
            }
            WinogradTransforms.Input(window, cin, v + t * vRow, cin);
        }
        // 8·q + 1 rows end in a one-row block that costs about as much as an eight-row one; taken
        // as 8·(q − 1) rows and then nine (the micro-kernel's nine-row block) they do not.
        int head = count > 8 && count % 8 == 1 ? count - 9 : count;
        for (int xi = 0; xi < 16; xi++)
        {
            ConvMicroKernel.Run(v + xi * cin, k.RowOffsets, k.ColOffsets, cin, k.U + (long)xi * cin * np, np, np,
                m + xi * np, (int)mRow, head, np, null, accumulate: false);
            if (head < count)
                ConvMicroKernel.Run(v + xi * cin + head * vRow, k.RowOffsets, k.ColOffsets, cin, k.U + (long)xi * cin * np, np, np,
                    m + xi * np + head * mRow, (int)mRow, count - head, np, null, accumulate: false);
        }
        if (!_pool)
        {
            WriteTiles(m, mRow, count, first, _y + (long)n * g.OutH * g.OutW * cout, outputs);
            return;
        }
        for (int t = 0; t < count; t++)
        {
            WinogradTransforms.Output(m + t * mRow, np, cout, k.Bias, outputs, accumulate: false, _relu);
            float* dst = yImage + (long)(first + t) * cout;
            KernelBounds.Range(dst - _y, cout, (long)g.Batch * _pooledH * _pooledW * cout);
            PoolMax.Of4(quad, cout, dst);
        }
    }

    /// <summary>The chunk's tiles' outputs written into the image's convolution output, as <see cref="WinogradF23"/> writes them.</summary>
    private void WriteTiles(float* m, long mRow, int count, int first, float* yImage, float** outputs)
    {
        ref readonly var g = ref _g;
        var k = _kernel!;
        for (int t = 0; t < count; t++)
        {
            int tile = first + t, oh = tile / _pooledW * 2, ow = tile % _pooledW * 2;
            bool right = ow + 1 < g.OutW, below = oh + 1 < g.OutH;
            float* y0 = yImage + ((long)oh * g.OutW + ow) * g.OutC;
            KernelBounds.Range(y0 - _y, g.OutC, g.OutputLength);
            outputs[0] = y0;
            outputs[1] = right ? y0 + g.OutC : null;
            outputs[2] = below ? y0 + (long)g.OutW * g.OutC : null;
            outputs[3] = right && below ? y0 + (long)(g.OutW + 1) * g.OutC : null;
            if (below) KernelBounds.Range(outputs[2] - _y, g.OutC, g.OutputLength);
            if (outputs[3] != null) KernelBounds.Range(outputs[3] - _y, g.OutC, g.OutputLength);
            WinogradTransforms.Output(m + t * mRow, k.Np, g.OutC, k.Bias, outputs, accumulate: false, _relu);
        }
    }
}
