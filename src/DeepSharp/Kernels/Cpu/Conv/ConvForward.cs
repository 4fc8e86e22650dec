namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution forward pass. Work items are bands of output rows of one image. Output pixels
/// whose window lies inside the input are computed directly from the image (the micro-kernel
/// reads it through a table of tap offsets, no copy); the rest, at padded borders, through a
/// small im2col tile. Both are vectorised over output channels (see <see cref="ConvMicroKernel"/>).
/// </summary>
internal sealed unsafe class ConvForward : IParallelBody
{
    private const int Segment = 32;      // pixels per im2col tile
    private const int PixelsPerTask = 128;

    [ThreadStatic] private static ConvForward? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _w, _bias, _y;
    private int* _identity, _direct;
    private int _k, _np, _rowsPerTask, _rowTasks;

    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g)
    {
        if (g.OutputLength == 0) return;
        var body = t_instance ??= new ConvForward();
        int k = g.KernelH * g.KernelW * g.InC, np = ConvMicroKernel.Padded(g.OutC);
        body._g = g;
        body._x = x;
        body._y = y;
        body._k = k;
        body._np = np;
        body._w = Scratch.Floats(Scratch.Packed, k * np);
        ConvLayout.PackKernel(w, k, g.OutC, np, body._w);
        body._bias = null;
        if (bias != null)
        {
            body._bias = Scratch.Floats(Scratch.PackedBias, np);
            ConvLayout.PackKernel(bias, 1, g.OutC, np, body._bias);
        }
        int* tables = Scratch.Ints(Scratch.Packed, 2 * k);
        body._identity = tables;
        body._direct = tables + k;
        for (int kh = 0, r = 0; kh < g.KernelH; kh++)
        for (int kw = 0; kw < g.KernelW; kw++)
        for (int ci = 0; ci < g.InC; ci++, r++)
        {
            tables[r] = r;
            body._direct[r] = (kh * g.DilationH * g.InW + kw * g.DilationW) * g.InC + ci;
        }
        body._rowsPerTask = Math.Clamp((PixelsPerTask + g.OutW - 1) / g.OutW, 1, g.OutH);
        body._rowTasks = (g.OutH + body._rowsPerTask - 1) / body._rowsPerTask;
        try { WorkerPool.Shared.For(g.Batch * body._rowTasks, body); }
        finally { body._x = body._w = body._bias = body._y = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _rowTasks, oh0 = index % _rowTasks * _rowsPerTask;
        int ohEnd = Math.Min(g.OutH, oh0 + _rowsPerTask);
        float* image = _x + (long)n * g.InH * g.InW * g.InC;
        float* col = Scratch.Floats(Scratch.TileA, Segment * _k);
        var (lo, hi) = ConvLayout.InteriorColumns(g);
        for (int oh = oh0; oh < ohEnd; oh++)
        {
            float* yRow = _y + ((long)n * g.OutH + oh) * g.OutW * g.OutC;
            if (hi > lo && ConvLayout.RowInterior(g, oh))
            {
                float* a = image + ((oh * g.StrideH - g.PadTop) * g.InW + lo * g.StrideW - g.PadLeft) * g.InC;
                ConvMicroKernel.Run(a, g.StrideW * g.InC, _direct, _k, _w, _np, _np,
                    yRow + lo * g.OutC, g.OutC, hi - lo, g.OutC, _bias, accumulate: false);
                ViaIm2Col(image, oh, 0, lo, col, yRow);
                ViaIm2Col(image, oh, hi, g.OutW, col, yRow);
            }
            else
            {
                ViaIm2Col(image, oh, 0, g.OutW, col, yRow);
            }
        }
    }

    private void ViaIm2Col(float* image, int oh, int from, int to, float* col, float* yRow)
    {
        ref readonly var g = ref _g;
        for (int s = from; s < to; s += Segment)
        {
            int count = Math.Min(Segment, to - s);
            for (int j = 0; j < count; j++) ConvLayout.Im2ColPixel(image, g, oh, s + j, col + j * _k);
            ConvMicroKernel.Run(col, _k, _identity, _k, _w, _np, _np,
                yRow + s * g.OutC, g.OutC, count, g.OutC, _bias, accumulate: false);
        }
    }
}
