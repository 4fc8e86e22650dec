using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Kernels.Cpu.Pool;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Training forward of a 3×3 stride-1 'valid' convolution (+ bias, + ReLU) followed by a 2×2 max-pool
/// of stride 2, by <see cref="WinogradF23"/>'s F(2×2, 3×3) with the pool in its output transform: a
/// Winograd tile's 2×2 outputs are exactly one pool window, so each tile's outputs go to a 4-pixel
/// buffer and are pooled from there (<see cref="PoolArgmax"/>: value and flat index of the first
/// maximum in the convolution's output). Only the tiles the pool reads are computed: at an odd output
/// size the last tile row and column feed outputs the pool drops (mnist_convnet's 11×11 → 5×5: 25 of
/// 36 tiles per image), and the convolution's output never goes to memory, nor is it read again by a
/// separate pool pass.
/// </summary>
/// <remarks>
/// Fewer products (at odd sizes) and one pass fewer by construction on any CPU, so not gated on the
/// CPU generation. Each pooled tile's 2×2 values are the bits <see cref="WinogradF23"/> writes for
/// those pixels (the same transforms, the micro-kernel's per-row sums do not depend on the chunk),
/// pooled as <c>MaxPool2DKernel.Forward</c> pools them: the bits of the two ops in a row, for any
/// thread count. Work items are bands of pooled rows of one image, chunked by the geometry alone.
/// </remarks>
internal sealed unsafe class WinogradF23Pool : IParallelBody
{
    [ThreadStatic] private static WinogradF23Pool? t_instance;

    private const int PlaneSkew = 16; // floats: one 64-byte line, as WinogradF23

    private Conv2DGeometry _g;
    private float* _x, _u, _bias, _y;
    private int* _argmax, _rowOff, _colOff;
    private int _np, _pooledH, _pooledW, _rowsPerTask, _tasksPerImage;
    private bool _relu;

    /// <summary>
    /// Whether the fused pass takes <paramref name="g"/> with a (<paramref name="poolH"/>, <paramref name="poolW"/>) pool:
    /// a 2×2 pool of a convolution that runs on <see cref="WinogradF23"/> with no padding and windows inside
    /// the input. Layers of exactly 16 filters stay on <see cref="WinogradF23Narrow512"/> and the separate pool
    /// (where the CPU has it: it was measured faster than the general products at that width).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, int poolH, int poolW) =>
        poolH == 2 && poolW == 2 && g.OutH >= 2 && g.OutW >= 2 && DirectConvPool.Fits(g)
        && WinogradF23.Applies(g) && !WinogradF23Narrow512.Applies(g);

    /// <summary>
    /// y (N, ⌊OutH/2⌋, ⌊OutW/2⌋, Cout) = maxpool₂ₓ₂(relu?(conv(x, w) + bias)) and argmax (same shape) the flat
    /// index of each maximum in the (N, OutH, OutW, Cout) convolution output; <paramref name="bias"/> may be null.
    /// The caller checks lengths and <see cref="Applies"/>.
    /// </summary>
    public static void Run(float* x, float* w, float* bias, float* y, int* argmax, in Conv2DGeometry g, bool relu)
    {
        if (!WinogradF23.Fits(g) || !DirectConvPool.Fits(g))
            throw new ArgumentException($"WinogradF23Pool needs an unpadded 3×3 stride-1 undilated convolution; got {g}.");
        int pooledH = g.OutH / 2, pooledW = g.OutW / 2;
        if (g.Batch == 0 || pooledH == 0 || pooledW == 0) return;
        var body = t_instance ??= new WinogradF23Pool();
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
        body._rowsPerTask = Math.Clamp(WinogradF23.TilesPerChunk / pooledW, 1, pooledH);
        body._tasksPerImage = (pooledH + body._rowsPerTask - 1) / body._rowsPerTask;
        body._u = Scratch.Floats(Scratch.Packed, 16L * g.InC * np);
        WinogradTransforms.Kernel(w, g.InC, g.OutC, np, body._u);
        body._rowOff = Scratch.Ints(Scratch.Packed, (long)WinogradF23.TilesPerChunk + g.InC);
        body._colOff = body._rowOff + WinogradF23.TilesPerChunk;
        for (int t = 0; t < WinogradF23.TilesPerChunk; t++) body._rowOff[t] = t * (16 * g.InC + PlaneSkew);
        for (int c = 0; c < g.InC; c++) body._colOff[c] = c;
        long work = (long)g.Batch * pooledH * pooledW * 16 * g.InC * g.OutC;
        try { WorkerPool.Shared.For(g.Batch * body._tasksPerImage, body, work); }
        finally { body._x = body._u = body._bias = body._y = null; body._argmax = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _tasksPerImage, q0 = index % _tasksPerImage * _rowsPerTask;
        int q1 = Math.Min(_pooledH, q0 + _rowsPerTask);
        int cin = g.InC, cout = g.OutC, np = _np;
        long vRow = 16L * cin + PlaneSkew, mRow = 16L * np + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, WinogradF23.TilesPerChunk * vRow);
        float* m = Scratch.Floats(Scratch.TileB, WinogradF23.TilesPerChunk * mRow);
        float* window4 = Scratch.Floats(Scratch.TileC, 4L * cout); // one tile's 2×2 outputs, row-major
        float** window = stackalloc float*[16];
        float** outputs = stackalloc float*[4];
        outputs[0] = window4;
        outputs[1] = window4 + cout;
        outputs[2] = window4 + 2 * cout;
        outputs[3] = window4 + 3 * cout;
        long imageLength = (long)g.InH * g.InW * cin, pooledImage = (long)_pooledH * _pooledW * cout;
        float* image = _x + n * imageLength;
        float* yImage = _y + n * pooledImage;
        int* argImage = _argmax + n * pooledImage;
        int first = q0 * _pooledW, end = q1 * _pooledW;
        for (int chunk = first; chunk < end; chunk += WinogradF23.TilesPerChunk)
        {
            int count = Math.Min(WinogradF23.TilesPerChunk, end - chunk);
            for (int t = 0; t < count; t++)
            {
                int tile = chunk + t, ih0 = tile / _pooledW * 2, iw0 = tile % _pooledW * 2;
                KernelBounds.Range(((long)(ih0 + 3) * g.InW + iw0 + 3) * cin, cin, imageLength); // the window's last pixel
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        window[4 * i + j] = image + ((long)(ih0 + i) * g.InW + iw0 + j) * cin;
                WinogradTransforms.Input(window, cin, v + t * vRow, cin);
            }
            for (int xi = 0; xi < 16; xi++)
                ConvMicroKernel.Run(v + xi * cin, _rowOff, _colOff, cin, _u + (long)xi * cin * np, np, np,
                    m + xi * np, (int)mRow, count, cout, null, accumulate: false);
            for (int t = 0; t < count; t++)
            {
                int tile = chunk + t, q = tile / _pooledW, j = tile % _pooledW;
                WinogradTransforms.Output(m + t * mRow, np, cout, _bias, outputs, accumulate: false, _relu);
                long o = (long)tile * cout;
                KernelBounds.Range(n * pooledImage + o, cout, g.Batch * pooledImage);
                int corner = (int)(((long)n * g.OutH + 2 * q) * g.OutW + 2 * j) * cout;
                PoolArgmax.Window(window4, 2, 2, 2L * cout, cout, yImage + o, argImage + o, corner, g.OutW * cout);
            }
        }
    }
}
