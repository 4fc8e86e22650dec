using DeepSharp.Kernels.Cpu.Conv;

namespace DeepSharp.Kernels.Cpu.Inference;

/// <summary>
/// Inference of a 'valid' convolution (+ bias, + ReLU) followed by a 'valid' max-pool whose strides
/// equal its size, in one pass: for each pooled row, the convolution outputs under a group of pooled
/// columns (at most <see cref="Tile"/> pixels) are computed by the direct micro-kernel straight from
/// the image into a small buffer and pooled from there, so the convolution's output never goes to
/// memory; convolution rows and columns the pool drops are not computed. The kernel is packed once
/// per layer (<see cref="DirectKernel"/>), not per call.
/// </summary>
/// <remarks>
/// Each pixel is the micro-kernel's sum over the taps in (kh, kw, ci) order, as
/// <see cref="ConvForward"/> computes it (the micro-kernel's rows do not depend on how they are
/// blocked), and the pool is <see cref="PoolMax"/>: the same bits as the direct convolution followed
/// by the max-pool, for any band split and any thread count.
/// </remarks>
internal sealed unsafe class DirectConvPool : IParallelBody
{
    /// <summary>Most convolution pixels computed into the buffer at once (fewer when a single pool window is larger).</summary>
    public const int Tile = 64;

    [ThreadStatic] private static DirectConvPool? t_instance;

    private Conv2DGeometry _g;
    private DirectKernel? _kernel;
    private float* _x, _y;
    private int* _taps;
    private long _tapMin, _tapMax;
    private int _poolH, _poolW, _pooledH, _pooledW, _rowsPerBand, _bandsPerImage;
    private bool _relu;

    /// <summary>Whether this kernel computes <paramref name="g"/>: no padding, every window inside the input.</summary>
    public static bool Fits(in Conv2DGeometry g) => g.PadTop == 0 && g.PadLeft == 0
        && (g.OutH - 1L) * g.StrideH + (g.KernelH - 1L) * g.DilationH < g.InH
        && (g.OutW - 1L) * g.StrideW + (g.KernelW - 1L) * g.DilationW < g.InW;

    /// <summary>
    /// y (N, ⌊OutH/poolH⌋, ⌊OutW/poolW⌋, Cout) = maxpool(relu?(conv(x, w) + bias)) with w and bias
    /// from <paramref name="kernel"/> and pool strides equal to the pool size; <paramref name="bands"/>
    /// is the fewest work items per image wanted (the thread count at batch 1; any value gives the same result).
    /// </summary>
    public static void Run(float* x, DirectKernel kernel, float* y, in Conv2DGeometry g, int poolH, int poolW, bool relu, int bands = 1)
    {
        if (!Fits(g) || kernel.InC != g.InC || kernel.OutC != g.OutC || kernel.KernelH != g.KernelH || kernel.KernelW != g.KernelW)
            throw new ArgumentException($"DirectConvPool needs an unpadded convolution matching its ({kernel.KernelH}, {kernel.KernelW}, {kernel.InC}, {kernel.OutC}) kernel; got {g}.");
        if (poolH < 1 || poolW < 1) throw new ArgumentOutOfRangeException(nameof(poolH), $"Pool size must be positive; got ({poolH}, {poolW}).");
        int pooledH = g.OutH / poolH, pooledW = g.OutW / poolW;
        if (g.Batch == 0 || pooledH == 0 || pooledW == 0) return;
        var body = t_instance ??= new DirectConvPool();
        body._g = g;
        body._kernel = kernel;
        body._x = x;
        body._y = y;
        body._relu = relu;
        (body._poolH, body._poolW, body._pooledH, body._pooledW) = (poolH, poolW, pooledH, pooledW);
        body._bandsPerImage = Math.Clamp(bands, 1, pooledH);
        body._rowsPerBand = (pooledH + body._bandsPerImage - 1) / body._bandsPerImage;
        body._bandsPerImage = (pooledH + body._rowsPerBand - 1) / body._rowsPerBand;
        int k = kernel.Reduction;
        body._taps = Scratch.Ints(Scratch.Packed, k);
        ConvLayout.FillTaps(body._taps, g);
        (body._tapMin, body._tapMax) = ConvLayout.TableRange(body._taps, k);
        long work = (long)g.Batch * pooledH * poolH * pooledW * poolW * k * g.OutC;
        try { WorkerPool.Shared.For(g.Batch * body._bandsPerImage, body, work); }
        finally { body._x = body._y = null; body._taps = null; body._kernel = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        var kernel = _kernel!;
        int n = index / _bandsPerImage, q0 = index % _bandsPerImage * _rowsPerBand, q1 = Math.Min(_pooledH, q0 + _rowsPerBand);
        int ph = _poolH, pw = _poolW, cout = g.OutC;
        int group = Math.Max(1, Tile / (ph * pw)); // pooled columns per buffer
        group = Math.Min(group, _pooledW);
        int pixels = ph * group * pw;
        float* tile = Scratch.Floats(Scratch.TileA, (long)pixels * cout);
        int* corners = Scratch.Ints(Scratch.TileA, pixels);
        float* image = _x + (long)n * g.InH * g.InW * g.InC;
        float* yImage = _y + (long)n * _pooledH * _pooledW * cout;
        long imageLength = (long)g.InH * g.InW * g.InC;
        long pooledRowStep = (long)ph * g.StrideH * g.InW * g.InC; // input floats between two pooled rows' windows
        for (int j0 = 0; j0 < _pooledW; j0 += group)
        {
            // The group's window corners relative to pooled row 0; each pooled row shifts the image pointer instead.
            int columns = Math.Min(group, _pooledW - j0), width = columns * pw, m = ph * width, step = g.StrideW * g.InC;
            for (int di = 0; di < ph; di++)
            {
                int at = (di * g.StrideH * g.InW + j0 * pw * g.StrideW) * g.InC;
                for (int jj = 0; jj < width; jj++, at += step) corners[di * width + jj] = at;
            }
            for (int q = q0; q < q1; q++)
            {
                float* rows = image + q * pooledRowStep;
                KernelBounds.Range(q * pooledRowStep + corners[0] + _tapMin, corners[m - 1] - corners[0] + _tapMax - _tapMin + 1, imageLength);
                ConvMicroKernel.Run(rows, corners, _taps, kernel.Reduction, kernel.Weights, kernel.Np, kernel.Np,
                    tile, cout, m, cout, kernel.Bias, accumulate: false, _relu);
                float* dst = yImage + ((long)q * _pooledW + j0) * cout;
                KernelBounds.Range(dst - _y, (long)columns * cout, (long)g.Batch * _pooledH * _pooledW * cout);
                for (int j = 0; j < columns; j++)
                    PoolMax.Window(tile + (long)j * pw * cout, ph, pw, (long)width * cout, cout, dst + (long)j * cout);
            }
        }
    }
}
