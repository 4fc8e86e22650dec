using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Kernels.Cpu.Pool;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Training forward of a 'valid' convolution (+ bias, + ReLU) followed by a 'valid' max-pool whose
/// strides equal its size, in one pass: for each pooled row, the convolution outputs under a group of
/// pooled columns are computed by the direct micro-kernel into a small buffer and pooled from there,
/// keeping the pooled output and the flat index of each window's maximum in the convolution's output
/// (<c>MaxPool2DKernel</c>'s argmax) — the convolution's output never goes to memory. The kernel is
/// packed on every call (weights change every step), into the calling thread's scratch.
/// </summary>
/// <remarks>
/// Each pixel is the micro-kernel's sum over the taps in (kh, kw, ci) order, as
/// <see cref="ConvForward"/> and <see cref="DirectConvPool"/> compute it, and the pool is
/// <see cref="PoolArgmax"/> (first maximum in scan order): the bits of the convolution followed by
/// <c>MaxPool2DKernel.Forward</c>, for any thread count. One work item per image (per band of pooled
/// rows when the batch is smaller than the thread count).
/// </remarks>
internal sealed unsafe class ConvPoolForward : IParallelBody
{
    /// <summary>Most convolution pixels computed into the buffer at once (fewer when a single pool window is larger).</summary>
    public const int Tile = 64;

    [ThreadStatic] private static ConvPoolForward? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _w, _bias, _y;
    private int* _argmax, _taps;
    private long _tapMin, _tapMax;
    private int _k, _np, _poolH, _poolW, _pooledH, _pooledW, _rowsPerBand, _bandsPerImage;
    private bool _relu;

    /// <summary>
    /// y (N, ⌊OutH/poolH⌋, ⌊OutW/poolW⌋, Cout) = maxpool(relu?(conv(x, w) + bias)) and argmax (same
    /// shape) the flat index of each maximum in the (N, OutH, OutW, Cout) convolution output;
    /// <paramref name="bias"/> may be null. The caller checks lengths and <see cref="DirectConvPool.Fits"/>.
    /// </summary>
    public static void Run(float* x, float* w, float* bias, float* y, int* argmax, in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        if (!DirectConvPool.Fits(g))
            throw new ArgumentException($"ConvPoolForward needs an unpadded convolution whose windows lie inside the input; got {g}.");
        if (poolH < 1 || poolW < 1) throw new ArgumentOutOfRangeException(nameof(poolH), $"Pool size must be positive; got ({poolH}, {poolW}).");
        int pooledH = g.OutH / poolH, pooledW = g.OutW / poolW;
        if (g.Batch == 0 || pooledH == 0 || pooledW == 0 || g.OutC == 0) return;
        var body = t_instance ??= new ConvPoolForward();
        int k = g.KernelH * g.KernelW * g.InC, np = ConvMicroKernel.Padded(g.OutC);
        body._g = g;
        body._x = x;
        body._y = y;
        body._argmax = argmax;
        body._relu = relu;
        body._k = k;
        body._np = np;
        (body._poolH, body._poolW, body._pooledH, body._pooledW) = (poolH, poolW, pooledH, pooledW);
        int threads = Threads.Count;
        body._bandsPerImage = g.Batch >= threads ? 1 : Math.Clamp(threads, 1, pooledH);
        body._rowsPerBand = (pooledH + body._bandsPerImage - 1) / body._bandsPerImage;
        body._bandsPerImage = (pooledH + body._rowsPerBand - 1) / body._rowsPerBand;
        body._w = Scratch.Floats(Scratch.Packed, (long)k * np);
        ConvLayout.PadRows(w, k, g.OutC, np, body._w);
        body._bias = null;
        if (bias != null)
        {
            body._bias = Scratch.Floats(Scratch.PackedBias, np);
            ConvLayout.PadRows(bias, 1, g.OutC, np, body._bias);
        }
        body._taps = Scratch.Ints(Scratch.Packed, k);
        ConvLayout.FillTaps(body._taps, g);
        (body._tapMin, body._tapMax) = ConvLayout.TableRange(body._taps, k);
        long work = (long)g.Batch * pooledH * poolH * pooledW * poolW * k * g.OutC;
        try { WorkerPool.Shared.For(g.Batch * body._bandsPerImage, body, work); }
        finally { body._x = body._y = body._w = body._bias = null; body._argmax = body._taps = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _bandsPerImage, q0 = index % _bandsPerImage * _rowsPerBand, q1 = Math.Min(_pooledH, q0 + _rowsPerBand);
        int ph = _poolH, pw = _poolW, cout = g.OutC;
        int group = Math.Min(Math.Max(1, Tile / (ph * pw)), _pooledW); // pooled columns per buffer
        int pixels = ph * group * pw;
        float* tile = Scratch.Floats(Scratch.TileA, (long)pixels * cout);
        int* corners = Scratch.Ints(Scratch.TileA, pixels);
        float* image = _x + (long)n * g.InH * g.InW * g.InC;
        long pooledImage = (long)_pooledH * _pooledW * cout, outputLength = (long)g.Batch * pooledImage;
        float* yImage = _y + n * pooledImage;
        int* argImage = _argmax + n * pooledImage;
        long imageLength = (long)g.InH * g.InW * g.InC;
        long pooledRowStep = (long)ph * g.StrideH * g.InW * g.InC; // input floats between two pooled rows' windows
        int convRow = g.OutW * cout; // argmax index units between two convolution rows
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
                ConvMicroKernel.Run(rows, corners, _taps, _k, _w, _np, _np, tile, cout, m, cout, _bias, accumulate: false, _relu);
                long o = ((long)q * _pooledW + j0) * cout;
                KernelBounds.Range(n * pooledImage + o, (long)columns * cout, outputLength);
                int corner = (int)(((long)n * g.OutH + q * ph) * g.OutW + j0 * pw) * cout;
                for (int j = 0; j < columns; j++)
                    PoolArgmax.Window(tile + (long)j * pw * cout, ph, pw, (long)width * cout, cout,
                        yImage + o + (long)j * cout, argImage + o + (long)j * cout, corner + j * pw * cout, convRow);
            }
        }
    }
}
