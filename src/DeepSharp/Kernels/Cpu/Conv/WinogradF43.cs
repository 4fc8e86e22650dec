using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// 3×3 stride-1 convolution by Winograd's F(4×4, 3×3): each 4×4 block of output pixels (a tile) comes
/// from the 6×6 input window under it, with 36 multiplications per input/output channel pair where the
/// direct sum does 144 and F(2×2, 3×3) (<see cref="WinogradF23"/>) 64 (2.25 per output against 4: 1.78×
/// fewer). Work items are chunks of up to <see cref="TilesPerChunk"/> consecutive tiles in (image, tile
/// row, tile column) order — across images, so that a small image (convnet's 11×11 output: 3×3 tiles)
/// still gives the products long runs of rows. Per chunk: the input transform writes V[tile][ξ][ci]; 36
/// products M[·][ξ] = V[·][ξ]·U[ξ] run on <see cref="ConvMicroKernel"/>; the output transform writes y
/// with bias, accumulation and ReLU. The kernel transform U = G·g·Gᵀ is done once per call.
/// </summary>
/// <remarks>
/// Any padding works: window positions outside the input read a zero run, and tile outputs past the
/// output's edge are computed and dropped. Every output element is written by one work item, with the
/// chunks fixed by the geometry alone, so results do not depend on the thread count.
/// Error (see docs/benchmarks.md, "Winograd F(4x4,3x3) on Intel"): with u = 2⁻²⁴ and γ(n) = n·u/(1 − n·u),
/// each output y[i, j] of a tile differs from the exact sum by at most
/// γ(Cin + 16)·Σ_ci Σ_ξ |Aᵀ|[i, ξr]·|Aᵀ|[j, ξc]·(|G|·|g_ci|·|Gᵀ|)[ξ]·(|Bᵀ|·|d_ci|·|B|)[ξ] (+ the rounding of the
/// bias and accumulation adds), g_ci the 3×3 kernel slice, d_ci the tile's 6×6 input window: the transforms'
/// absolute values weigh in where the direct sum has Σ|g||d|. Checked against the naive (double) twin with
/// that bound as the tolerance (DeepSharp.KernelCheck's WinogradF43Checks). Measured on convnet-like layers
/// (post-ReLU inputs, glorot weights): max error / max |y| 3.4–4.3e-6 against F(2,3)'s 2.0–2.7e-7 and the direct
/// sum's 4.3–7.4e-7, rms 5× F(2,3)'s; per element at most 20–32 u·Σ|g·d| (F(2,3) 2 u).
/// Where it runs: on 512-bit vectors only (<see cref="Applies"/>); the 256-bit, 128-bit and scalar paths
/// keep F(2,3). Chosen by <see cref="Choice.Auto"/> on Intel only: it trades fewer products for transforms
/// twice the size, measured here (Emerald Rapids) and not on AMD, so AMD keeps F(2,3).
/// Skipped tiles (as in <see cref="WinogradF23"/>): when adding into y with no bias and no ReLU (the input
/// gradient through <see cref="ConvBackwardInputAsForward"/>), an image whose input rows (columns) under the last
/// tile row (column) are all zero skips those tiles — they would add exact +0 (a −0 already in y becomes +0 no
/// longer, a non-finite kernel value's 0·∞ no longer writes NaN). mnist_convnet's input gradient of its second
/// layer (dy 11×11 under a 2×2 pool, its last row and column never reached) then computes 9 of 16 tiles per image.
/// Which tiles run depends on the data alone; a chunk is still the same 32 tile slots, and the products compute
/// each tile's row on its own, so every other tile's bits and the thread count's irrelevance are unchanged.
/// </remarks>
internal sealed unsafe class WinogradF43 : IParallelBody
{
    /// <summary>Tiles transformed and multiplied together (the rows of each of the 36 products).</summary>
    public const int TilesPerChunk = 32;

    private const int MaxChannels = 1 << 16;
    private const int PlaneSkew = 16; // floats: one 64-byte line

    /// <summary>Which 3×3 stride-1 convolutions take F(4,3) on this thread (tests force each).</summary>
    public enum Choice
    {
        /// <summary>Where it measured faster (see <see cref="Applies"/>).</summary>
        Auto,

        /// <summary>Every geometry that <see cref="Fits"/>, on any instruction set.</summary>
        Always,

        /// <summary>Never.</summary>
        Never,
    }

    /// <summary>The choice for calls made on this thread.</summary>
    [ThreadStatic] public static Choice Mode;

    [ThreadStatic] private static WinogradF43? t_instance;

    /// <summary>Computes every tile, even those the remarks' zero test would skip, for calls made on this thread (checks compare the two).</summary>
    [ThreadStatic] public static bool ZeroTileSkipDisabled;

    private Conv2DGeometry _g;
    private float* _x, _u, _bias, _y, _zeros;
    private int* _rowOff, _colOff;
    private int _np, _tilesH, _tilesW, _tiles;
    private bool _relu, _accumulate, _skipZeroTiles;

    /// <summary>Whether <paramref name="g"/> is a 3×3, stride-1, undilated convolution with some output (and at most 65,536 channels in and out).</summary>
    public static bool Fits(in Conv2DGeometry g) => WinogradF23.Fits(g);

    /// <summary>
    /// Whether the forward pass of <paramref name="g"/> runs here. <see cref="Choice.Auto"/> (and
    /// <see cref="WinogradF23.Mode"/> Auto too, so checks that force F(2,3) get it): 512-bit vectors on an
    /// Intel CPU, a geometry F(2,3) would take, at least 32 output channels (16 filters go to
    /// <see cref="WinogradF23Narrow512"/>), and F(4,3)'s products at most <see cref="MaxProductRatio"/> of
    /// F(2,3)'s once the partial tiles at the edges are counted (a 13×13 output is 4×4 tiles of 4×4 — 256
    /// pixels computed for 169 — against 7×7 of 2×2: 576 products against 784, too few saved). Where the
    /// call skips zero tiles (<paramref name="skipsZeroTiles"/>: adding into y without bias or ReLU, the input
    /// gradient) the limit is <see cref="MaxProductRatioSkippingZeroTiles"/>.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, bool skipsZeroTiles = false) => Mode switch
    {
        Choice.Never => false,
        Choice.Always => Fits(g),
        _ => WinogradF23.Mode == WinogradF23.Choice.Auto && Vector512.IsHardwareAccelerated && CpuIdentity.IsIntel
            && WinogradF23.Applies(g) && g.OutC >= 32
            && 36.0 * Tiles(g) <= (skipsZeroTiles ? MaxProductRatioSkippingZeroTiles : MaxProductRatio) * 16.0 * WinogradF23.Tiles(g),
    };

    /// <summary>The largest ratio of F(4,3)'s products to F(2,3)'s for which <see cref="Choice.Auto"/> takes F(4,3).</summary>
    public const double MaxProductRatio = 0.7;

    /// <summary>
    /// <see cref="MaxProductRatio"/> for a call that skips zero tiles (the input gradient). Measured on Intel
    /// (wdx, docs/benchmarks.md): convnet's second layer's input gradient, a 13×13 output at 0.73 of F(2,3)'s
    /// products, took 1.80 ms on F(4,3) against 2.11 on F(2,3) with a dense dy (batch 128); with dy under a 2×2 pool
    /// (its last row and column zero) F(4,3) skips 7 of 16 tiles an image where F(2,3) skips 13 of 49 (0.56).
    /// </summary>
    public const double MaxProductRatioSkippingZeroTiles = 0.75;

    /// <summary>The number of 4×4 output tiles of <paramref name="g"/> (partial tiles at the edges counted whole).</summary>
    public static long Tiles(in Conv2DGeometry g) => (long)g.Batch * ((g.OutH + 3) / 4) * ((g.OutW + 3) / 4);

    /// <summary>Writes y = conv(x, w) + bias (through ReLU if asked), or adds conv(x, w) to y when <paramref name="accumulate"/>.</summary>
    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g, bool relu, bool accumulate)
    {
        if (!Fits(g)) throw new ArgumentException($"Winograd F(4,3) needs a 3×3 stride-1 undilated convolution with some output; got {g}.");
        var body = t_instance ??= new WinogradF43();
        int np = ConvMicroKernel.Padded(g.OutC);
        body._g = g;
        body._x = x;
        body._y = y;
        body._bias = bias;
        body._np = np;
        body._relu = relu;
        body._accumulate = accumulate;
        body._skipZeroTiles = accumulate && bias == null && !relu && !ZeroTileSkipDisabled;
        body._tilesH = (g.OutH + 3) / 4;
        body._tilesW = (g.OutW + 3) / 4;
        body._tiles = (int)Tiles(g);
        body._u = Scratch.Floats(Scratch.Packed, 36L * g.InC * np + g.InC);
        body._zeros = body._u + 36L * g.InC * np;
        new Span<float>(body._zeros, g.InC).Clear();
        WinogradF43Kernel.Transform(w, g.InC, g.OutC, np, body._u);
        body._rowOff = Scratch.Ints(Scratch.Packed, (long)TilesPerChunk + g.InC);
        body._colOff = body._rowOff + TilesPerChunk;
        for (int t = 0; t < TilesPerChunk; t++) body._rowOff[t] = t * (36 * g.InC + PlaneSkew);
        for (int c = 0; c < g.InC; c++) body._colOff[c] = c;
        long work = (long)body._tiles * 36 * g.InC * g.OutC;
        try { WorkerPool.Shared.For((body._tiles + TilesPerChunk - 1) / TilesPerChunk, body, work); }
        finally { body._x = body._u = body._bias = body._y = body._zeros = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int first = index * TilesPerChunk, slots = Math.Min(TilesPerChunk, _tiles - first);
        int cin = g.InC, np = _np, perImage = _tilesH * _tilesW;
        // Tile-major, tiles one cache line further apart than they need (see WinogradF23.Execute).
        long vRow = 36L * cin + PlaneSkew, mRow = 36L * np + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, TilesPerChunk * vRow);
        float* m = Scratch.Floats(Scratch.TileB, TilesPerChunk * mRow);
        float** window = stackalloc float*[36];
        float** outputs = stackalloc float*[16];
        int* tiles = stackalloc int[TilesPerChunk];
        long imageLength = (long)g.InH * g.InW * cin;
        int count = 0, flagsImage = -1;
        bool skipLastRow = false, skipLastColumn = false;
        for (int s = 0; s < slots; s++)
        {
            int tile = first + s, n = tile / perImage;
            if (_skipZeroTiles)
            {
                if (n != flagsImage)
                {
                    float* image = _x + n * imageLength;
                    skipLastRow = LastTilesZero(image, (_tilesH - 1) * 4 - g.PadTop, g.InH, rows: true);
                    skipLastColumn = LastTilesZero(image, (_tilesW - 1) * 4 - g.PadLeft, g.InW, rows: false);
                    flagsImage = n;
                }
                if (skipLastRow && tile % perImage / _tilesW == _tilesH - 1) continue;
                if (skipLastColumn && tile % _tilesW == _tilesW - 1) continue;
            }
            tiles[count++] = tile;
        }
        if (count == 0) return;
        for (int t = 0; t < count; t++)
        {
            int tile = tiles[t], n = tile / perImage, th = tile % perImage / _tilesW, tw = tile % _tilesW;
            float* image = _x + n * imageLength;
            int ih0 = th * 4 - g.PadTop, iw0 = tw * 4 - g.PadLeft;
            for (int i = 0; i < 6; i++)
            {
                int ih = ih0 + i;
                for (int j = 0; j < 6; j++)
                {
                    int iw = iw0 + j;
                    bool inside = (uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW;
                    if (inside) KernelBounds.Range(((long)ih * g.InW + iw) * cin, cin, imageLength);
                    window[6 * i + j] = inside ? image + ((long)ih * g.InW + iw) * cin : _zeros;
                }
            }
            WinogradF43Transforms.Input(window, cin, v + t * vRow, cin);
        }
        for (int xi = 0; xi < 36; xi++)
            ConvMicroKernel.Run(v + xi * cin, _rowOff, _colOff, cin, _u + (long)xi * cin * np, np, np,
                m + xi * np, (int)mRow, count, g.OutC, null, accumulate: false);
        for (int t = 0; t < count; t++)
        {
            int tile = tiles[t], n = tile / perImage, oh0 = tile % perImage / _tilesW * 4, ow0 = tile % _tilesW * 4;
            float* yImage = _y + (long)n * g.OutH * g.OutW * g.OutC;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                {
                    int oh = oh0 + i, ow = ow0 + j;
                    float* at = null;
                    if (oh < g.OutH && ow < g.OutW)
                    {
                        at = yImage + ((long)oh * g.OutW + ow) * g.OutC;
                        KernelBounds.Range(at - _y, g.OutC, g.OutputLength);
                    }
                    outputs[4 * i + j] = at;
                }
            WinogradF43Transforms.Output(m + t * mRow, np, g.OutC, _bias, outputs, _accumulate, _relu);
        }
    }

    /// <summary>
    /// Whether the input rows (<paramref name="rows"/>) or columns [<paramref name="from"/>, <paramref name="from"/> + 6)
    /// that lie inside the image, of an extent of <paramref name="size"/>, hold only ±0 (true when none lies inside).
    /// </summary>
    private bool LastTilesZero(float* image, int from, int size, bool rows)
    {
        ref readonly var g = ref _g;
        int lo = Math.Max(from, 0), hi = Math.Min(from + 6, size);
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
}
