using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The kernel gradient of a 3×3 stride-1 convolution by Winograd's F(3×3, 2×2), the transpose of
/// <see cref="WinogradF23"/>'s F(2×2, 3×3): per 2×2 tile of dy and the 4×4 input window under it,
/// dW += Gᵀ·[(A·e·Aᵀ) ⊙ (Bᵀ·d·B)]·G, summed over tiles as 16 products
/// M[ξ] (Cin × Cout) += V[·][ξ]ᵀ·E[·][ξ] on <see cref="ConvMicroKernel"/>, and Gᵀ·M·G once at the
/// end (16 multiplications per channel pair and tile instead of 36).
/// </summary>
/// <remarks>
/// Determinism as in <see cref="ConvBackwardKernel"/>: the batch is cut into at most
/// <see cref="MaxChunks"/> chunks of a size that depends on the batch only, each summed into its
/// own partial M in a fixed order, the partials added in chunk order. Fused prologue: each image's
/// dy is masked in place where the layer's ReLU output is ≤ 0, and summed into the chunk's bias
/// partial, before its tiles are used. dy positions past the output's edge (odd sizes) and input
/// positions outside the input read zeros. Error bound: as the forward's (docs/benchmarks.md),
/// with the roles of kernel and dy swapped: γ(tiles + 12)·4·Σ_tiles ‖e‖₁·‖d‖₁ per element.
/// Skipped tiles: at an odd output size, an image whose last dy row (column) is all zero skips the last
/// tile row (column), whose transformed dy is then exactly zero: mnist_convnet's 11×11 layer under a 2×2
/// pool computes 25 of its 36 tiles per image. The partial sums start at +0 and never become −0, so
/// adding those zero products changes no bit; only an infinite input under such a tile, whose 0·∞ would
/// have made the gradient NaN, is no longer propagated. The choice depends on the data alone (not on
/// the thread count). Fewer products by construction, so taken on every CPU.
/// </remarks>
internal sealed unsafe class WinogradF23KernelGradient : IParallelBody
{
    private const int MaxChunks = 16;
    private const int PlaneSkew = 16;

    [ThreadStatic] private static WinogradF23KernelGradient? t_instance;

    /// <summary>Computes every tile, even those the remarks' zero test would skip, for calls made on this thread (checks compare the two).</summary>
    [ThreadStatic] public static bool ZeroTileSkipDisabled;

    private Conv2DGeometry _g;
    private float* _x, _dy, _partials, _reluOutput, _biasPartials, _zeros;
    private int* _rowOff, _colOff;
    private int _np, _chunkImages, _tilesH, _tilesW;
    private bool _skipZeroTiles;

    /// <summary>
    /// Whether the kernel gradient of <paramref name="g"/> runs here: the forward would run on
    /// <see cref="WinogradF23"/>, and the per-chunk sums (16 × Cin × Cout floats each) stay within 1 MiB.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) =>
        WinogradF23.Applies(g) && 16L * g.InC * ConvMicroKernel.Padded(g.OutC) <= 1 << 18;

    /// <summary>As <see cref="ConvBackwardKernel.Run"/> (dw += ∂L/∂w; optional ReLU mask of dy in place and db += Σ dy).</summary>
    public static void Run(float* x, float* dy, float* dw, in Conv2DGeometry g, float* reluOutput, float* db)
    {
        if (!WinogradF23.Fits(g)) throw new ArgumentException($"Winograd F(3,2) needs a 3×3 stride-1 undilated convolution with some output; got {g}.");
        if (WinogradF23Narrow512KernelGradient.Applies(g))
        {
            WinogradF23Narrow512KernelGradient.Run(x, dy, dw, g, reluOutput, db); // the same bits, faster at 16 filters
            return;
        }
        var body = t_instance ??= new WinogradF23KernelGradient();
        int cin = g.InC, np = ConvMicroKernel.Padded(g.OutC);
        int chunkImages = (g.Batch + MaxChunks - 1) / MaxChunks;
        int chunks = (g.Batch + chunkImages - 1) / chunkImages;
        long plane = 16L * cin * np;
        body._g = g;
        body._x = x;
        body._dy = dy;
        body._np = np;
        body._chunkImages = chunkImages;
        body._tilesH = (g.OutH + 1) / 2;
        body._tilesW = (g.OutW + 1) / 2;
        body._reluOutput = reluOutput;
        body._skipZeroTiles = !ZeroTileSkipDisabled;
        body._partials = Scratch.Floats(Scratch.Packed, chunks * (plane + np) + Math.Max(cin, g.OutC));
        body._biasPartials = db == null ? null : body._partials + chunks * plane;
        body._zeros = body._partials + chunks * (plane + np);
        new Span<float>(body._zeros, Math.Max(cin, g.OutC)).Clear();
        body._rowOff = Scratch.Ints(Scratch.Packed, (long)cin + WinogradF23.TilesPerChunk);
        body._colOff = body._rowOff + cin;
        for (int c = 0; c < cin; c++) body._rowOff[c] = c;
        for (int t = 0; t < WinogradF23.TilesPerChunk; t++) body._colOff[t] = t * (16 * cin + PlaneSkew);
        try { WorkerPool.Shared.For(chunks, body); }
        finally { body._x = body._dy = body._reluOutput = null; }

        if (db != null)
        {
            var biasTotal = new Span<float>(body._biasPartials, np);
            for (int c = 1; c < chunks; c++)
                TensorPrimitives.Add(biasTotal, new ReadOnlySpan<float>(body._biasPartials + (long)c * np, np), biasTotal);
            var dbSpan = new Span<float>(db, g.OutC);
            TensorPrimitives.Add(dbSpan, biasTotal[..g.OutC], dbSpan);
        }
        var total = new Span<float>(body._partials, (int)plane);
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(body._partials + c * plane, (int)plane), total);
        WinogradTransforms.KernelGradient(body._partials, cin, g.OutC, np, dw);
        body._partials = body._biasPartials = body._zeros = null;
    }

    public void Execute(int chunk)
    {
        ref readonly var g = ref _g;
        int cin = g.InC, cout = g.OutC, np = _np;
        long plane = 16L * cin * np;
        float* partial = _partials + chunk * plane;
        new Span<float>(partial, (int)plane).Clear();
        float* biasPartial = _biasPartials == null ? null : _biasPartials + (long)chunk * np;
        if (biasPartial != null) new Span<float>(biasPartial, np).Clear();
        const int Tiles = WinogradF23.TilesPerChunk;
        long vRow = 16L * cin + PlaneSkew, eRow = 16L * np + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, Tiles * vRow);
        float* e = Scratch.Floats(Scratch.TileB, Tiles * eRow);
        if (cout != np) new Span<float>(e, (int)(Tiles * eRow)).Clear(); // the columns past Cout stay zero
        float** window = stackalloc float*[16];
        float** dyTile = stackalloc float*[4];
        int* chunkTiles = stackalloc int[Tiles];
        int nEnd = Math.Min(g.Batch, (chunk + 1) * _chunkImages);
        for (int n = chunk * _chunkImages; n < nEnd; n++)
        {
            float* image = _x + (long)n * g.InH * g.InW * cin;
            int imageOutputs = g.OutH * g.OutW * cout;
            float* dyImage = _dy + (long)n * imageOutputs;
            if (_reluOutput != null)
                Activations.ReluMaskGradient(new ReadOnlySpan<float>(_reluOutput + (long)n * imageOutputs, imageOutputs), new Span<float>(dyImage, imageOutputs));
            if (biasPartial != null) ConvLayout.SumRowsInto(dyImage, g.OutH * g.OutW, cout, biasPartial);
            // At an odd size the last tile row (column) holds one dy row (column); where it is all zero — a 2×2
            // pool's scatter never reaches it — its tiles add exact zeros, so they are skipped (see the remarks).
            // The chunks stay those of every tile (a chunk's tiles are one run of the reduction), so skipping changes no bit.
            bool skipLastRow = _skipZeroTiles && g.OutH % 2 == 1 && ZeroRun(dyImage + (long)(g.OutH - 1) * g.OutW * cout, g.OutW * cout, 1, 1);
            bool skipLastColumn = _skipZeroTiles && g.OutW % 2 == 1 && ZeroRun(dyImage + (long)(g.OutW - 1) * cout, cout, g.OutH, (long)g.OutW * cout);
            int tiles = _tilesH * _tilesW;
            for (int first = 0; first < tiles; first += Tiles)
            {
                int count = 0;
                for (int tile = first; tile < Math.Min(first + Tiles, tiles); tile++)
                    if (!(skipLastRow && tile / _tilesW == _tilesH - 1) && !(skipLastColumn && tile % _tilesW == _tilesW - 1))
                        chunkTiles[count++] = tile;
                if (count == 0) continue;
                for (int t = 0; t < count; t++)
                {
                    int tile = chunkTiles[t], oh = tile / _tilesW * 2, ow = tile % _tilesW * 2;
                    WinogradTileWindow.Gather(image, dyImage, _zeros, g, oh, ow, 2, window, dyTile);
                    WinogradTransforms.Input(window, cin, v + t * vRow, cin);
                    WinogradTransforms.Gradient(dyTile, cout, e + t * eRow, np);
                }
                for (int xi = 0; xi < 16; xi++)
                    ConvMicroKernel.Run(v + xi * cin, _rowOff, _colOff, count, e + xi * np, (int)eRow, np,
                        partial + xi * cin * np, np, cin, g.OutC, null, accumulate: true);
            }
        }
    }

    /// <summary>Whether <paramref name="runs"/> runs of <paramref name="length"/> floats, <paramref name="stride"/> apart from <paramref name="p"/>, are all ±0.</summary>
    private static bool ZeroRun(float* p, int length, int runs, long stride)
    {
        for (int r = 0; r < runs; r++, p += stride)
            if (TensorPrimitives.MaxMagnitude(new ReadOnlySpan<float>(p, length)) != 0f) return false;
        return true;
    }
}
