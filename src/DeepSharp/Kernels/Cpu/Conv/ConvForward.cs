namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution forward pass. Work items are bands of output rows of one image; a band's pixels
/// are taken in order in runs of up to <see cref="Tile"/>, which are consecutive in y. A run of
/// pixels whose windows lie inside the input is computed directly from the image (the
/// micro-kernel reads it through a table of the pixels' window corners and a table of tap
/// offsets, no copy); a run of pixels at padded borders through an im2col tile. Both are
/// vectorised over output channels (see <see cref="ConvMicroKernel"/>), and can apply ReLU as they store.
/// 3×3 stride-1 layers with enough channels go to <see cref="WinogradF43"/> or <see cref="WinogradF23"/> instead.
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
    private bool _relu, _accumulate;
    private int _bandWidth;  // > 0: padded geometry, each work item copies its rows into a zero-padded band of this many columns

    /// <summary>Writes y = conv(x, w) + bias (through ReLU if asked), or adds conv(x, w) to y when <paramref name="accumulate"/>.</summary>
    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g, bool relu, bool accumulate = false)
    {
        if (g.OutputLength == 0) return;
        if (WinogradF43.Applies(g, skipsZeroTiles: accumulate && bias == null && !relu))
        {
            WinogradF43.Run(x, w, bias, y, g, relu, accumulate);
            return;
        }
        if (WinogradF23.Applies(g))
        {
            WinogradF23.Run(x, w, bias, y, g, relu, accumulate);
            return;
        }
        if (ConvPixelRows512.Applies(g))
        {
            ConvPixelRows512.Run(x, w, bias, y, g, relu, accumulate);
            return;
        }
        var body = t_instance ??= new ConvForward();
        body._relu = relu;
        body._accumulate = accumulate;
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
        body._bandWidth = PaddedBandWidth(g, body._rowsPerTask = Math.Clamp((PixelsPerTask + g.OutW - 1) / g.OutW, 1, g.OutH));
        int rowStride = body._bandWidth > 0 ? body._bandWidth : g.InW;
        int* tables = Scratch.Ints(Scratch.Packed, 2L * k + Tile);
        body._taps = tables;              // im2col: tap r of a pixel
        body._direct = tables + k;        // tap (kh, kw, ci) → offset from its window's corner
        body._colRows = tables + 2 * k;   // im2col: pixel i of the tile
        for (int kh = 0, r = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int ci = 0; ci < g.InC; ci++, r++)
                {
                    body._taps[r] = r;
                    body._direct[r] = (kh * g.DilationH * rowStride + kw * g.DilationW) * g.InC + ci;
                }
        (body._tapMin, body._tapMax) = ConvLayout.TableRange(body._direct, k);
        for (int i = 0; i < Tile; i++) body._colRows[i] = i * k;
        body._rowTasks = (g.OutH + body._rowsPerTask - 1) / body._rowsPerTask;
        try { WorkerPool.Shared.For(g.Batch * body._rowTasks, body, (long)g.Batch * g.OutH * g.OutW * k * g.OutC); }
        finally { body._x = body._w = body._bias = body._y = null; }
    }

    /// <summary>
    /// The column count of a zero-padded band, (OutW − 1)·strideW + (KW − 1)·dilationW + 1, when some output
    /// pixel's window leaves the input (padding, or a dilated kernel reaching past it) and a band of
    /// <paramref name="rowsPerTask"/> output rows fits in 2^28 floats; else 0 (read the input in place, with
    /// im2col tiles at the borders).
    /// </summary>
    private static int PaddedBandWidth(in Conv2DGeometry g, int rowsPerTask)
    {
        var (lo, hi) = ConvLayout.InteriorColumns(g);
        bool allInterior = lo == 0 && hi == g.OutW && ConvLayout.RowInterior(g, 0) && ConvLayout.RowInterior(g, g.OutH - 1);
        if (allInterior) return 0;
        long width = (g.OutW - 1L) * g.StrideW + (g.KernelW - 1L) * g.DilationW + 1;
        long rows = (rowsPerTask - 1L) * g.StrideH + (g.KernelH - 1L) * g.DilationH + 1;
        return rows * width * g.InC <= 1L << 28 ? (int)width : 0;
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _rowTasks, oh0 = index % _rowTasks * _rowsPerTask;
        int ohEnd = Math.Min(g.OutH, oh0 + _rowsPerTask);
        float* image = _x + (long)n * g.InH * g.InW * g.InC;
        float* yImage = _y + (long)n * g.OutH * g.OutW * g.OutC;
        if (_bandWidth > 0)
        {
            ExecuteBand(image, yImage, oh0, ohEnd);
            return;
        }
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

    /// <summary>
    /// Output rows [oh0, ohEnd) of one image from a zero-padded copy of the input rows they see: every
    /// pixel's window then lies inside the band, so all run through the direct path in runs of up to
    /// <see cref="Tile"/> consecutive pixels, with no im2col tiles and no short runs at the borders.
    /// </summary>
    private void ExecuteBand(float* image, float* yImage, int oh0, int ohEnd)
    {
        ref readonly var g = ref _g;
        int c = g.InC, width = _bandWidth;
        int rows = (ohEnd - oh0 - 1) * g.StrideH + (g.KernelH - 1) * g.DilationH + 1;
        float* band = Scratch.Floats(Scratch.TileB, (long)rows * width * c);
        ConvLayout.CopyPaddedBand(image, g.InH, g.InW, c, oh0 * g.StrideH - g.PadTop, rows, g.PadLeft, width, band);
        int* corners = Scratch.Ints(Scratch.TileA, Tile);
        int pixel = oh0 * g.OutW, end = ohEnd * g.OutW;
        while (pixel < end)
        {
            int take = Math.Min(Tile, end - pixel);
            for (int t = 0; t < take; t++)
            {
                int oh = (pixel + t) / g.OutW, ow = (pixel + t) % g.OutW;
                corners[t] = ((oh - oh0) * g.StrideH * width + ow * g.StrideW) * c;
                KernelBounds.Range(corners[t] + _tapMin, _tapMax - _tapMin + 1, (long)rows * width * c);
            }
            float* y = yImage + (long)pixel * g.OutC;
            KernelBounds.Range(y - _y, (long)take * g.OutC, g.OutputLength);
            ConvMicroKernel.Run(band, corners, _direct, _k, _w, _np, _np, y, g.OutC, take, g.OutC, _bias, _accumulate, _relu);
            pixel += take;
        }
    }

    /// <summary>Computes a run of <paramref name="count"/> consecutive output pixels starting at <paramref name="y"/>.</summary>
    private void Flush(float* image, float* y, int count, bool interior, int* corners, float* col)
    {
        KernelBounds.Range(y - _y, (long)count * _g.OutC, _g.OutputLength);
        if (interior)
            ConvMicroKernel.Run(image, corners, _direct, _k, _w, _np, _np, y, _g.OutC, count, _g.OutC, _bias, _accumulate, _relu);
        else
            ConvMicroKernel.Run(col, _colRows, _taps, _k, _w, _np, _np, y, _g.OutC, count, _g.OutC, _bias, _accumulate, _relu);
    }
}
