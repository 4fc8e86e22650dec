using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Kernels.Cpu.Pool;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Training forward of a 3×3 stride-1 'valid' convolution (+ bias, + ReLU) followed by a 2×2 max-pool of
/// stride 2, by <see cref="WinogradF43"/>'s F(4×4, 3×3) with the pool in its output transform: a tile's
/// 4×4 outputs are exactly 2×2 pool windows, so each tile's outputs go to a 16-pixel buffer and its (up
/// to) four windows are pooled from there (<see cref="PoolArgmax"/>: value and flat index of the first
/// maximum in the convolution's output). Only the tiles the pool reads are computed, and the
/// convolution's output never goes to memory. At an odd pooled size the last tile row (column) computes
/// two convolution rows (columns) the pool drops, and may read past the input's edge: those window
/// positions read a zero run.
/// </summary>
/// <remarks>
/// Each pooled window's values are the bits <see cref="WinogradF43"/> writes for those pixels (the same
/// transforms; the micro-kernel's per-row sums do not depend on the chunk), pooled as
/// <c>MaxPool2DKernel.Forward</c> pools them: the bits of the two ops in a row, for any thread count.
/// Work items are chunks of <see cref="WinogradF43.TilesPerChunk"/> tiles in (image, tile row, tile column)
/// order, fixed by the geometry alone. Taken wherever the unfused forward takes F(4,3) (Intel, AVX-512), so
/// that fusing changes no bit: for convnet-aug's 24×24 → 12×12 that is 36 tiles of 4×4 against
/// <see cref="WinogradF23Pool"/>'s 144 of 2×2 (0.56 of the products), for mnist_convnet's 11×11 → 5×5 9
/// against 25 (0.81: the pool drops a row and a column of the convolution, which F(2,3)'s pooled tiles
/// never compute and F(4,3)'s 12×12 do).
/// </remarks>
internal sealed unsafe class WinogradF43Pool : IParallelBody
{
    [ThreadStatic] private static WinogradF43Pool? t_instance;

    private const int PlaneSkew = 16; // floats: one 64-byte line, as WinogradF43

    private Conv2DGeometry _g;
    private float* _x, _u, _bias, _y, _zeros;
    private int* _argmax, _rowOff, _colOff;
    private int _np, _pooledH, _pooledW, _tilesH, _tilesW, _tiles;
    private bool _relu;

    /// <summary>
    /// Whether the fused pass takes <paramref name="g"/> with a (<paramref name="poolH"/>, <paramref name="poolW"/>) pool:
    /// a 2×2 pool of an unpadded convolution that <see cref="WinogradF23Pool"/> would take and whose unfused
    /// forward runs on <see cref="WinogradF43"/> (<see cref="WinogradF43.Choice.Auto"/>), so that the fused op
    /// and the two ops in a row give the same bits whichever runs.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, int poolH, int poolW)
    {
        if (poolH != 2 || poolW != 2 || g.OutH < 2 || g.OutW < 2 || !DirectConvPool.Fits(g) || !WinogradF43.Fits(g)) return false;
        return WinogradF43.Mode switch
        {
            WinogradF43.Choice.Never => false,
            WinogradF43.Choice.Always => true,
            _ => WinogradF23Pool.Applies(g, 2, 2) && WinogradF43.Applies(g),
        };
    }

    /// <summary>
    /// y (N, ⌊OutH/2⌋, ⌊OutW/2⌋, Cout) = maxpool₂ₓ₂(relu?(conv(x, w) + bias)) and argmax (same shape) the flat
    /// index of each maximum in the (N, OutH, OutW, Cout) convolution output; <paramref name="bias"/> may be null.
    /// The caller checks lengths.
    /// </summary>
    public static void Run(float* x, float* w, float* bias, float* y, int* argmax, in Conv2DGeometry g, bool relu)
    {
        if (!WinogradF43.Fits(g) || !DirectConvPool.Fits(g))
            throw new ArgumentException($"WinogradF43Pool needs an unpadded 3×3 stride-1 undilated convolution; got {g}.");
        int pooledH = g.OutH / 2, pooledW = g.OutW / 2;
        if (g.Batch == 0 || pooledH == 0 || pooledW == 0) return;
        var body = t_instance ??= new WinogradF43Pool();
        int np = ConvMicroKernel.Padded(g.OutC);
        body._g = g;
        body._x = x;
        body._y = y;
        body._argmax = argmax;
        body._bias = bias;
        body._np = np;
        body._relu = relu;
        body._pooledH = pooledH;
        body._pooledW = pooledW;
        body._tilesH = (pooledH + 1) / 2;
        body._tilesW = (pooledW + 1) / 2;
        body._tiles = g.Batch * body._tilesH * body._tilesW;
        body._u = Scratch.Floats(Scratch.Packed, 36L * g.InC * np + g.InC);
        body._zeros = body._u + 36L * g.InC * np;
        new Span<float>(body._zeros, g.InC).Clear();
        WinogradF43Kernel.Transform(w, g.InC, g.OutC, np, body._u);
        body._rowOff = Scratch.Ints(Scratch.Packed, (long)WinogradF43.TilesPerChunk + g.InC);
        body._colOff = body._rowOff + WinogradF43.TilesPerChunk;
        for (int t = 0; t < WinogradF43.TilesPerChunk; t++) body._rowOff[t] = t * (36 * g.InC + PlaneSkew);
        for (int c = 0; c < g.InC; c++) body._colOff[c] = c;
        long work = (long)body._tiles * 36 * g.InC * g.OutC;
        try { WorkerPool.Shared.For((body._tiles + WinogradF43.TilesPerChunk - 1) / WinogradF43.TilesPerChunk, body, work); }
        finally { body._x = body._u = body._bias = body._y = body._zeros = null; body._argmax = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int first = index * WinogradF43.TilesPerChunk, count = Math.Min(WinogradF43.TilesPerChunk, _tiles - first);
        int cin = g.InC, cout = g.OutC, np = _np, perImage = _tilesH * _tilesW;
        long vRow = 36L * cin + PlaneSkew, mRow = 36L * np + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, WinogradF43.TilesPerChunk * vRow);
        float* m = Scratch.Floats(Scratch.TileB, WinogradF43.TilesPerChunk * mRow);
        float* tile16 = Scratch.Floats(Scratch.TileC, 16L * cout); // one tile's 4×4 outputs, row-major
        float** window = stackalloc float*[36];
        float** outputs = stackalloc float*[16];
        for (int k = 0; k < 16; k++) outputs[k] = tile16 + k * cout;
        long imageLength = (long)g.InH * g.InW * cin, pooledImage = (long)_pooledH * _pooledW * cout;
        for (int t = 0; t < count; t++)
        {
            int tile = first + t, n = tile / perImage, ih0 = tile % perImage / _tilesW * 4, iw0 = tile % _tilesW * 4;
            float* image = _x + n * imageLength;
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                {
                    int ih = ih0 + i, iw = iw0 + j;
                    bool inside = ih < g.InH && iw < g.InW;
                    if (inside) KernelBounds.Range(((long)ih * g.InW + iw) * cin, cin, imageLength);
                    window[6 * i + j] = inside ? image + ((long)ih * g.InW + iw) * cin : _zeros;
                }
            WinogradF43Transforms.Input(window, cin, v + t * vRow, cin);
        }
        for (int xi = 0; xi < 36; xi++)
            ConvMicroKernel.Run(v + xi * cin, _rowOff, _colOff, cin, _u + (long)xi * cin * np, np, np,
                m + xi * np, (int)mRow, count, cout, null, accumulate: false);
        for (int t = 0; t < count; t++)
        {
            int tile = first + t, n = tile / perImage, th = tile % perImage / _tilesW, tw = tile % _tilesW;
            WinogradF43Transforms.Output(m + t * mRow, np, cout, _bias, outputs, accumulate: false, _relu);
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                {
                    int q = 2 * th + a, p = 2 * tw + b;
                    if (q >= _pooledH || p >= _pooledW) continue;
                    long o = n * pooledImage + ((long)q * _pooledW + p) * cout;
                    KernelBounds.Range(o, cout, g.Batch * pooledImage);
                    int corner = (int)(((long)n * g.OutH + 2 * q) * g.OutW + 2 * p) * cout;
                    PoolArgmax.Window(tile16 + (8 * a + 2 * b) * cout, 2, 2, 4L * cout, cout, _y + o, _argmax + o, corner, g.OutW * cout);
                }
        }
    }
}
