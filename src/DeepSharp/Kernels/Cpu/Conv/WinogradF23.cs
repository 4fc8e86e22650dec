using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// 3×3 stride-1 convolution by Winograd's F(2×2, 3×3): each 2×2 block of output pixels (a tile)
/// comes from the 4×4 input window under it, with 16 multiplications per input/output channel
/// pair instead of 36 (2.25× fewer). Per work item (a band of tile rows of one image), in chunks
/// of up to <see cref="TilesPerChunk"/> tiles: the input transform writes V[tile][ξ][ci]; 16
/// products M[·][ξ] = V[·][ξ]·U[ξ] run on <see cref="ConvMicroKernel"/> (its 512-bit form where the CPU
/// has it); the output transform writes y with bias, accumulation and ReLU. The kernel transform
/// U = G·g·Gᵀ is done once per call.
/// </summary>
/// <remarks>
/// Any padding works: window positions outside the input read a zero run, and tile outputs past
/// the output's edge (odd sizes) are computed and dropped. Every output element is written by one
/// work item, with the tiles chunked by the geometry alone, so results do not depend on the thread
/// count. Error: see docs/benchmarks.md ("Winograd F(2,3): error bound"); with u = 2⁻²⁴, each output
/// differs from the exact sum by at most γ(Cin + 12)·4·Σ_ci ‖g_ci‖₁·‖d_ci‖₁ (+ the rounding of the bias
/// and accumulation adds), where g_ci is the 3×3 kernel slice, d_ci the tile's 4×4 input window, and
/// γ(n) = n·u/(1 − n·u): the four-times-larger constant and the window's ℓ₁ norms in place of the
/// direct sum's Σ|g||d| are the price of the transforms. Checked against the naive twin with that
/// bound as the tolerance (DeepSharp.KernelCheck's WinogradChecks).
/// Skipped tiles: when adding into y with no bias and no ReLU (the input gradient through
/// <see cref="ConvBackwardInputAsForward"/>), an image whose input rows (columns) under the last tile row
/// (column) are all zero skips those tiles: their transformed window is exactly +0, so they would add +0 to
/// every output they touch (a −0 already in y would have become +0; a non-finite kernel value, whose
/// 0·∞ would have written NaN there, no longer does). Which tiles run depends on the data alone, and every
/// other tile's sums are unchanged, so the thread count still does not matter. Fewer products by
/// construction, so taken on every CPU.
/// </remarks>
internal sealed unsafe class WinogradF23 : IParallelBody
{
    /// <summary>Tiles transformed and multiplied together (the rows of each of the 16 products).</summary>
    public const int TilesPerChunk = 64;

    private const int MaxChannels = 1 << 16;
    private const int PlaneSkew = 16; // floats: one 64-byte line

    /// <summary>Which algorithm 3×3 stride-1 convolutions use on this thread (tests force each).</summary>
    public enum Choice
    {
        /// <summary>Winograd where it measured faster (see <see cref="Applies"/>).</summary>
        Auto,

        /// <summary>Winograd for every 3×3 stride-1, dilation-1 geometry.</summary>
        Always,

        /// <summary>Never Winograd (the direct kernels).</summary>
        Never,
    }

    /// <summary>The choice for calls made on this thread (work items always follow the calling thread's choice).</summary>
    [ThreadStatic] public static Choice Mode;

    [ThreadStatic] private static WinogradF23? t_instance;

    /// <summary>Computes every tile, even those the remarks' zero test would skip, for calls made on this thread (checks compare the two).</summary>
    [ThreadStatic] public static bool ZeroTileSkipDisabled;

    private Conv2DGeometry _g;
    private float* _x, _u, _bias, _y, _zeros;
    private int* _rowOff, _colOff;
    private int _np, _tilesH, _tilesW, _tileRowsPerTask, _tasksPerImage;
    private bool _relu, _accumulate, _skipZeroTiles;

    /// <summary>Whether <paramref name="g"/> is a 3×3, stride-1, undilated convolution with some output (and at most 65,536 channels in and out).</summary>
    public static bool Fits(in Conv2DGeometry g) =>
        g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1
        && g.InC > 0 && g.OutC > 0 && g.OutputLength > 0
        && g.InC <= MaxChannels && g.OutC <= MaxChannels; // keeps the chunk's offsets (64 tiles × 16 runs) within int

    /// <summary>
    /// Whether the forward pass of <paramref name="g"/> runs here: it <see cref="Fits"/>, and (in
    /// <see cref="Choice.Auto"/>) has at least 16 input and 16 output channels — the products then
    /// have reductions long enough for the micro-kernel and the transforms cost little beside them.
    /// The seed's first layer (one input channel) stays on the direct kernel. It also needs at least
    /// <see cref="MinTilesForAuto"/> output tiles in the call: every call transforms the whole kernel
    /// (Cin·Cout 3×3 filters), which at batch 1 cost more than the products saved (convnet's second
    /// layer at batch 1 took 60 % of a Predict call in the kernel transform, 2026-12-06).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) => Mode switch
    {
        Choice.Never => false,
        Choice.Always => Fits(g),
        _ => Fits(g) && g.InC >= 16 && g.OutC >= 16 && Tiles(g) >= MinTilesForAuto,
    };

    /// <summary>The fewest 2×2 output tiles for which <see cref="Choice.Auto"/> takes Winograd.</summary>
    public const long MinTilesForAuto = 256;

    /// <summary>The number of 2×2 output tiles of <paramref name="g"/> (partial tiles at the edges counted whole).</summary>
    public static long Tiles(in Conv2DGeometry g) => (long)g.Batch * ((g.OutH + 1) / 2) * ((g.OutW + 1) / 2);

    /// <summary>Writes y = conv(x, w) + bias (through ReLU if asked), or adds conv(x, w) to y when <paramref name="accumulate"/>.</summary>
    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g, bool relu, bool accumulate)
    {
        if (!Fits(g)) throw new ArgumentException($"Winograd F(2,3) needs a 3×3 stride-1 undilated convolution with some output; got {g}.");
        if (WinogradF23Narrow512.Applies(g))
        {
            WinogradF23Narrow512.Run(x, w, bias, y, g, relu, accumulate); // the same bits, faster at 16 filters
            return;
        }
        var body = t_instance ??= new WinogradF23();
        int np = ConvMicroKernel.Padded(g.OutC);
        body._g = g;
        body._x = x;
        body._y = y;
        body._bias = bias;
        body._np = np;
        body._relu = relu;
        body._accumulate = accumulate;
        body._skipZeroTiles = accumulate && bias == null && !relu && !ZeroTileSkipDisabled;
        body._tilesH = (g.OutH + 1) / 2;
        body._tilesW = (g.OutW + 1) / 2;
        body._tileRowsPerTask = Math.Clamp(TilesPerChunk / body._tilesW, 1, body._tilesH);
        body._tasksPerImage = (body._tilesH + body._tileRowsPerTask - 1) / body._tileRowsPerTask;
        body._u = Scratch.Floats(Scratch.Packed, 16L * g.InC * np + g.InC);
        body._zeros = body._u + 16L * g.InC * np;
        new Span<float>(body._zeros, g.InC).Clear();
        WinogradTransforms.Kernel(w, g.InC, g.OutC, np, body._u);
        body._rowOff = Scratch.Ints(Scratch.Packed, (long)TilesPerChunk + g.InC);
        body._colOff = body._rowOff + TilesPerChunk;
        for (int t = 0; t < TilesPerChunk; t++) body._rowOff[t] = t * (16 * g.InC + PlaneSkew);
        for (int c = 0; c < g.InC; c++) body._colOff[c] = c;
        long work = (long)g.Batch * body._tilesH * body._tilesW * 16 * g.InC * g.OutC;
        try { WorkerPool.Shared.For(g.Batch * body._tasksPerImage, body, work); }
        finally { body._x = body._u = body._bias = body._y = body._zeros = null; }
    }

    /// <summary>
    /// Asks for input rows [first, first + count) (those inside the image) to be brought into the cache:
    /// the input transform does little arithmetic per byte, and without this its loads wait on memory
    /// (measured: the transform of convnet-aug's 26×26×32 layer took 6× longer from an 11 MB batch than
    /// from cache). A row of NHWC data is contiguous.
    /// </summary>
    private void PrefetchRows(float* image, int first, int count)
    {
        if (!Sse.IsSupported) return;
        ref readonly var g = ref _g;
        int lo = Math.Max(first, 0), hi = Math.Min(first + count, g.InH);
        if (lo >= hi) return;
        byte* p = (byte*)(image + (long)lo * g.InW * g.InC), stop = (byte*)(image + (long)hi * g.InW * g.InC);
        for (; p < stop; p += 64) Sse.Prefetch0(p);
    }

    /// <summary>
    /// Whether the input rows (<paramref name="rows"/>) or columns [<paramref name="from"/>, <paramref name="from"/> + 4)
    /// that lie inside the image, of an extent of <paramref name="size"/>, hold only ±0 (true when none lies inside).
    /// </summary>
    private bool LastTilesZero(float* image, int from, int size, bool rows)
    {
        ref readonly var g = ref _g;
        int lo = Math.Max(from, 0), hi = Math.Min(from + 4, size);
        for (int i = lo; i < hi; i++)
        {
            if (rows)
            {
                if (!Zero(image + (long)i * g.InW * g.InC, g.InW * g.InC)) return false;
                continue;
            }
            for (int r = 0; r < g.InH; r++)
                if (!Zero(image + ((long)r * g.InW + i) * g.InC, g.InC)) return false;
        }
        return true;
    }

    private static bool Zero(float* p, int length) => System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(new ReadOnlySpan<float>(p, length)) == 0f;

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _tasksPerImage, tr0 = index % _tasksPerImage * _tileRowsPerTask;
        int trEnd = Math.Min(_tilesH, tr0 + _tileRowsPerTask);
        int cin = g.InC, np = _np;
        // Tile-major: a tile's 16 transformed runs are contiguous (the transforms stream through memory),
        // and tiles are one cache line further apart than they need, so that the micro-kernel's rows
        // (one tile each, at a power-of-two stride otherwise) do not all fall into one L1 set.
        long vRow = 16L * cin + PlaneSkew, mRow = 16L * np + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, TilesPerChunk * vRow);
        float* m = Scratch.Floats(Scratch.TileB, TilesPerChunk * mRow);
        float** window = stackalloc float*[16];
        float** outputs = stackalloc float*[4];
        float* image = _x + (long)n * g.InH * g.InW * cin;
        float* yImage = _y + (long)n * g.OutH * g.OutW * g.OutC;
        // Adding into y without bias or ReLU, a tile whose input window is all zero adds exact zeros: the last tile
        // row (column) is skipped where the input rows (columns) under it are all zero — the input gradient of a
        // 'valid' layer under a 2×2 pool at an odd size (mnist_convnet's 13×13 → 11×11: 36 of 49 tiles per image).
        bool skipLastRow = false, skipLastColumn = false;
        if (_skipZeroTiles)
        {
            skipLastRow = trEnd == _tilesH && LastTilesZero(image, (_tilesH - 1) * 2 - g.PadTop, g.InH, rows: true);
            skipLastColumn = LastTilesZero(image, (_tilesW - 1) * 2 - g.PadLeft, g.InW, rows: false);
        }
        int* tiles = stackalloc int[TilesPerChunk];
        int next = tr0 * _tilesW, end = trEnd * _tilesW;
        while (next < end)
        {
            int count = 0;
            for (; next < end && count < TilesPerChunk; next++)
            {
                if (skipLastRow && next / _tilesW == _tilesH - 1) continue;
                if (skipLastColumn && next % _tilesW == _tilesW - 1) continue;
                tiles[count++] = next;
            }
            if (count == 0) break;
            for (int t = 0; t < count; t++)
            {
                int tile = tiles[t], ih0 = tile / _tilesW * 2 - g.PadTop, iw0 = tile % _tilesW * 2 - g.PadLeft;
                if (t == 0 && tile == tr0 * _tilesW) PrefetchRows(image, ih0, 4);
                if (tile % _tilesW == 0) PrefetchRows(image, ih0 + 4, 2); // the next tile row's new input rows
                for (int i = 0; i < 4; i++)
                {
                    int ih = ih0 + i;
                    for (int j = 0; j < 4; j++)
                    {
                        int iw = iw0 + j;
                        bool inside = (uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW;
                        if (inside) KernelBounds.Range(((long)ih * g.InW + iw) * cin, cin, (long)g.InH * g.InW * cin);
                        window[4 * i + j] = inside ? image + ((long)ih * g.InW + iw) * cin : _zeros;
                    }
                }
                WinogradTransforms.Input(window, cin, v + t * vRow, cin);
            }
            for (int xi = 0; xi < 16; xi++)
                ConvMicroKernel.Run(v + xi * cin, _rowOff, _colOff, cin, _u + (long)xi * cin * np, np, np,
                    m + xi * np, (int)mRow, count, g.OutC, null, accumulate: false);
            for (int t = 0; t < count; t++)
            {
                int tile = tiles[t], oh = tile / _tilesW * 2, ow = tile % _tilesW * 2;
                bool right = ow + 1 < g.OutW, below = oh + 1 < g.OutH;
                float* y0 = yImage + ((long)oh * g.OutW + ow) * g.OutC;
                KernelBounds.Range(y0 - _y, g.OutC, g.OutputLength);
                outputs[0] = y0;
                outputs[1] = right ? y0 + g.OutC : null;
                outputs[2] = below ? y0 + (long)g.OutW * g.OutC : null;
                outputs[3] = right && below ? y0 + (long)(g.OutW + 1) * g.OutC : null;
                if (below) KernelBounds.Range(outputs[2] - _y, g.OutC, g.OutputLength);
                if (outputs[3] != null) KernelBounds.Range(outputs[3] - _y, g.OutC, g.OutputLength);
                WinogradTransforms.Output(m + t * mRow, np, g.OutC, _bias, outputs, _accumulate, _relu);
            }
        }
    }
}
