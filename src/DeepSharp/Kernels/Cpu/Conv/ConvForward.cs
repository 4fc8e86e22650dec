namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution forward pass. Work items are bands of output rows of one image; a band's pixels
/// are taken in order in runs of up to <see cref="Tile"/>, which are consecutive in y. A run of
/// pixels whose windows lie inside the input is computed directly from the image (the
/// micro-kernel reads it through a table of the pixels' window corners and a table of tap
/// offsets, no copy); a run of pixels at padded borders through an im2col tile. Both are
/// vectorised over output channels (see <see cref="ConvMicroKernel"/>), and can apply ReLU as they store.
/// </summary>
internal sealed unsafe class ConvForward : IParallelBody
{
    private const int Tile = 64;         // pixels per run
    private const int PixelsPerTask = 128;

    [ThreadStatic] private static ConvForward? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _w, _bias, _y;
    private int* _taps, _direct, _colRows;
    private int _k, _np, _rowsPerTask, _rowTasks;
    private long _tapMin, _tapMax; // range of the direct tap offsets (bounds assertions)
    private bool _relu;

    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g, bool relu)
    {
        if (g.OutputLength == 0) return;
        var body = t_instance ??= new ConvForward();
        body._relu = relu;
        int k = g.KernelH * g.KernelW * g.InC, np = ConvMicroKernel.Padded(g.OutC);
        body._g = g;
        body._x = x;
        body._y = y;
        body._k = k;
        body._np = np;
        body._w = Scratch.Floats(Scratch.Packed, (long)k * np);
        ConvLayout.PadRows(w, k, g.OutC, np, body._w);
        body._bias = null;
        if (bias != null)
        {
            body._bias = Scratch.Floats(Scratch.PackedBias, np);
            ConvLayout.PadRows(bias, 1, g.OutC, np, body._bias);
        }
        int* tables = Scratch.Ints(Scratch.Packed, 2L * k + Tile);
        body._taps = tables;              // im2col: tap r of a pixel
        body._direct = tables + k;        // tap (kh, kw, ci) → offset from its window's corner
        body._colRows = tables + 2 * k;   // im2col: pixel i of the tile
        for (int kh = 0, r = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int ci = 0; ci < g.InC; ci++, r++)
                {
                    body._taps[r] = r;
                    body._direct[r] = (kh * g.DilationH * g.InW + kw * g.DilationW) * g.InC + ci;
                }
        (body._tapMin, body._tapMax) = ConvLayout.TableRange(body._direct, k);
        for (int i = 0; i < Tile; i++) body._colRows[i] = i * k;
        body._rowsPerTask = Math.Clamp((PixelsPerTask + g.OutW - 1) / g.OutW, 1, g.OutH);
        body._rowTasks = (g.OutH + body._rowsPerTask - 1) / body._rowsPerTask;
        try { WorkerPool.Shared.For(g.Batch * body._rowTasks, body, (long)g.Batch * g.OutH * g.OutW * k * g.OutC); }
        finally { body._x = body._w = body._bias = body._y = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _rowTasks, oh0 = index % _rowTasks * _rowsPerTask;
        int ohEnd = Math.Min(g.OutH, oh0 + _rowsPerTask);
        float* image = _x + (long)n * g.InH * g.InW * g.InC;
        float* yImage = _y + (long)n * g.OutH * g.OutW * g.OutC;
        float* col = Scratch.Floats(Scratch.TileA, (long)Tile * _k);
        int* corners = Scratch.Ints(Scratch.TileA, Tile);
        var (lo, hi) = ConvLayout.InteriorColumns(g);
        int start = oh0 * g.OutW, length = 0;
        bool interiorRun = false;
        for (int oh = oh0; oh < ohEnd; oh++)
        {
            // A row is at most three segments: border [0, lo), interior [lo, hi), border [hi, OutW).
            bool rowInterior = ConvLayout.RowInterior(g, oh) && lo < hi;
            int rowCorner = ((oh * g.StrideH - g.PadTop) * g.InW - g.PadLeft) * g.InC;
            for (int segment = 0; segment < 3; segment++)
            {
                int ow = segment == 0 ? 0 : segment == 1 ? (rowInterior ? lo : g.OutW) : (rowInterior ? hi : g.OutW);
                int end = segment == 0 ? (rowInterior ? lo : g.OutW) : segment == 1 ? (rowInterior ? hi : g.OutW) : g.OutW;
                bool interior = segment == 1;
                while (ow < end)
                {
                    if (length > 0 && interior != interiorRun)
                    {
                        Flush(image, yImage + start * g.OutC, length, interiorRun, corners, col);
                        length = 0;
                    }
                    if (length == 0)
                    {
                        start = oh * g.OutW + ow;
                        interiorRun = interior;
                    }
                    int take = Math.Min(Tile - length, end - ow);
                    if (interior)
                    {
                        int step = g.StrideW * g.InC;
                        for (int t = 0, at = rowCorner + ow * step; t < take; t++, at += step)
                        {
                            corners[length + t] = at;
                            KernelBounds.Range(at + _tapMin, _tapMax - _tapMin + 1, (long)g.InH * g.InW * g.InC);
                        }
                    }
                    else
                    {
                        for (int t = 0; t < take; t++)
                            ConvLayout.Im2ColPixel(image, g, oh, ow + t, col + (long)(length + t) * _k);
                    }
                    length += take;
                    ow += take;
                    if (length == Tile)
                    {
                        Flush(image, yImage + start * g.OutC, length, interiorRun, corners, col);
                        length = 0;
                    }
                }
            }
        }
        if (length > 0) Flush(image, yImage + start * g.OutC, length, interiorRun, corners, col);
    }

    /// <summary>Computes a run of <paramref name="count"/> consecutive output pixels starting at <paramref name="y"/>.</summary>
    private void Flush(float* image, float* y, int count, bool interior, int* corners, float* col)
    {
        KernelBounds.Range(y - _y, (long)count * _g.OutC, _g.OutputLength);
        if (interior)
            ConvMicroKernel.Run(image, corners, _direct, _k, _w, _np, _np, y, _g.OutC, count, _g.OutC, _bias, accumulate: false, _relu);
        else
            ConvMicroKernel.Run(col, _colRows, _taps, _k, _w, _np, _np, y, _g.OutC, count, _g.OutC, _bias, accumulate: false, _relu);
    }
}
