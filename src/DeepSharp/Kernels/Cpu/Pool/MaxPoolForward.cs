using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu.Pool;

/// <summary>
/// Max-pool forward, one work item per image, vectorised over channels by <see cref="VectorLoop"/>
/// (see <see cref="MaxPoolWindow"/>). 2×2 windows with stride 2 and no padding take an unrolled
/// path without bounds tests.
/// </summary>
internal sealed unsafe class MaxPoolForward : IParallelBody
{
    [ThreadStatic] private static MaxPoolForward? t_instance;

    private Pool2DGeometry _g;
    private float* _x, _y;
    private int* _argmax;

    public static void Run(float* x, float* y, int* argmax, in Pool2DGeometry g)
    {
        if (g.OutputLength == 0) return;
        var body = t_instance ??= new MaxPoolForward();
        body._g = g;
        body._x = x;
        body._y = y;
        body._argmax = argmax;
        try { WorkerPool.Shared.For(g.Batch, body); }
        finally { body._x = body._y = null; body._argmax = null; }
    }

    public void Execute(int n)
    {
        ref readonly var g = ref _g;
        int c = g.Channels;
        bool twoByTwo = g.PoolH == 2 && g.PoolW == 2 && g.StrideH == 2 && g.StrideW == 2
            && g.PadTop == 0 && g.PadLeft == 0 && 2 * g.OutH <= g.InH && 2 * g.OutW <= g.InW;
        for (int oh = 0; oh < g.OutH; oh++)
            for (int ow = 0; ow < g.OutW; ow++)
            {
                int o = ((n * g.OutH + oh) * g.OutW + ow) * c;
                if (twoByTwo)
                {
                    Window2x2(((n * g.InH + 2 * oh) * g.InW + 2 * ow) * c, g.InW * c, c, o);
                    continue;
                }
                int top = oh * g.StrideH - g.PadTop, left = ow * g.StrideW - g.PadLeft;
                int khLo = Math.Max(0, -top), khHi = Math.Min(g.PoolH, g.InH - top);
                int kwLo = Math.Max(0, -left), kwHi = Math.Min(g.PoolW, g.InW - left);
                if (khLo >= khHi || kwLo >= kwHi)
                {
                    KernelBounds.Range(o, c, g.OutputLength);
                    new Span<float>(_y + o, c).Clear();
                    new Span<int>(_argmax + o, c).Fill(-1);
                    continue;
                }
                int first = ((n * g.InH + top + khLo) * g.InW + left + kwLo) * c;
                Window(first, khHi - khLo, kwHi - kwLo, g.InW * c, c, o, c);
            }
    }

    private void Window2x2(int first, int rowStride, int c, int o)
    {
        KernelBounds.Range(first, rowStride + 2L * c, _g.InputLength);
        KernelBounds.Range(o, c, _g.OutputLength);
        VectorLoop.For(new MaxPool2x2Window(_x, _y, _argmax, first, rowStride, c, o), c);
    }

    /// <summary>Max over a rows×cols window of in-bounds pixels starting at input index <paramref name="first"/>.</summary>
    /// <remarks>Pixels are <paramref name="c"/> apart; channels 0..<paramref name="count"/> are pooled.</remarks>
    private void Window(int first, int rows, int cols, int rowStride, int c, int o, int count)
    {
        KernelBounds.Check(rows > 0 && cols > 0 && count <= c);
        KernelBounds.Range(first, (rows - 1L) * rowStride + (cols - 1L) * c + count, _g.InputLength);
        KernelBounds.Range(o, count, _g.OutputLength);
        VectorLoop.For(new MaxPoolWindow(_x, _y, _argmax, first, rows, cols, rowStride, c, o), count);
    }
}
