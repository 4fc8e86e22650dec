using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The kernel gradient of a 3×3 stride-1 convolution by Winograd's F(3×3, 4×4), the transpose of
/// <see cref="WinogradF43"/>'s F(4×4, 3×3): per 4×4 tile of dy (e) and the 6×6 input window under it (d),
/// dW += Gᵀ·[(A·e·Aᵀ) ⊙ (Bᵀ·d·B)]·G, summed over tiles as 36 products M[ξ] (Cin × Cout) += V[·][ξ]ᵀ·E[·][ξ]
/// on <see cref="ConvMicroKernel"/>, and Gᵀ·M·G once at the end (in double, <see cref="WinogradF43Kernel.Gradient"/>):
/// 36 multiplications per channel pair and 16 dy pixels where <see cref="WinogradF23KernelGradient"/> does 64.
/// </summary>
/// <remarks>
/// Determinism as in <see cref="WinogradF23KernelGradient"/>: the batch is cut into at most
/// <see cref="MaxChunks"/> chunks of a size that depends on the batch only, each summed into its own partial M
/// in a fixed order (its images' tiles in (image, tile row, tile column) order, <see cref="WinogradF43.TilesPerChunk"/>
/// at a time, across images, so that convnet's 3×3 tiles an image still give the products long reductions), the
/// partials added in chunk order. Fused prologue: each image's dy is masked in place where the layer's ReLU
/// output is ≤ 0, and summed into the chunk's bias partial, before any of its tiles is used. dy positions past
/// the output's edge and input positions outside the input read zeros.
/// Error (with u = 2⁻²⁴, γ(n) = n·u/(1 − n·u)): per dW element (kh, kw, ci, co) at most
/// γ(T + 16)·Σ_tiles Σ_ξ |Gᵀ|[kh, ξr]·|Gᵀ|[kw, ξc]·(|A|·|e_co|·|Aᵀ|)[ξ]·(|Bᵀ|·|d_ci|·|B|)[ξ], T the tiles summed
/// (+ the rounding of the add into dw): checked with that bound as each element's tolerance against the naive
/// twin (DeepSharp.KernelCheck's WinogradF43Checks). Measured (docs/benchmarks.md, "convnet 2's backward on Intel
/// (wdx)"; post-ReLU x, dy U(−1, 1)): max error / max |dW| 1.0–1.4e-6 and rms 4.5–7.5e-7 against F(3,2)'s 1.9–2.5e-7 and
/// 1.6–2.2e-7, on convnet-like layers (13×13×32 → 64, 26×26×32 → 32, 10×10×64 → 64, 28×28×32 → 32).
/// Speed (Intel, batch 128, convnet's 13×13×32 → 64): 1.31 ms against F(3,2)'s 1.78 with a dense dy, 1.32 against 1.44
/// with dy under a 2×2 pool. The partials are summed and transformed in a second parallel pass (an input channel per
/// work item): on the calling thread, that tail made it slower than F(3,2) (1.97 ms).
/// Where it runs: where the forward runs on <see cref="WinogradF43"/> (<see cref="WinogradF43.Applies"/>: Intel
/// with 512-bit vectors, or forced) and each chunk's sums (36 × Cin × Cout floats) stay within 1 MiB; elsewhere
/// <see cref="WinogradF23KernelGradient"/> as before.
/// </remarks>
internal sealed unsafe class WinogradF43KernelGradient : IParallelBody
{
    private const int MaxChunks = 8;
    private const int PlaneSkew = 16;
    private const int Tiles = WinogradF43.TilesPerChunk;

    [ThreadStatic] private static WinogradF43KernelGradient? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _dy, _partials, _reluOutput, _biasPartials, _zeros;
    private int* _rowOff, _colOff;
    private int _np, _chunkImages, _chunks, _tilesH, _tilesW;
    private float* _dw;
    private bool _reducing; // the second pass: partials summed and transformed, one input channel per work item

    /// <summary>
    /// Whether the kernel gradient of <paramref name="g"/> runs here: the forward would run on
    /// <see cref="WinogradF43"/>, and the per-chunk sums (36 × Cin × Cout floats each) stay within 1 MiB.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) =>
        WinogradF43.Applies(g) && 36L * g.InC * ConvMicroKernel.Padded(g.OutC) <= 1 << 18;

    /// <summary>As <see cref="ConvBackwardKernel.Run"/> (dw += ∂L/∂w; optional ReLU mask of dy in place and db += Σ dy).</summary>
    public static void Run(float* x, float* dy, float* dw, in Conv2DGeometry g, float* reluOutput, float* db)
    {
        if (!WinogradF43.Fits(g)) throw new ArgumentException($"Winograd F(3,4) needs a 3×3 stride-1 undilated convolution with some output; got {g}.");
        var body = t_instance ??= new WinogradF43KernelGradient();
        int cin = g.InC, np = ConvMicroKernel.Padded(g.OutC);
        int chunkImages = (g.Batch + MaxChunks - 1) / MaxChunks;
        int chunks = (g.Batch + chunkImages - 1) / chunkImages;
        long plane = 36L * cin * np;
        body._g = g;
        body._x = x;
        body._dy = dy;
        body._np = np;
        body._chunkImages = chunkImages;
        body._tilesH = (g.OutH + 3) / 4;
        body._tilesW = (g.OutW + 3) / 4;
        body._reluOutput = reluOutput;
        body._partials = Scratch.Floats(Scratch.Packed, chunks * (plane + np) + Math.Max(cin, g.OutC));
        body._biasPartials = db == null ? null : body._partials + chunks * plane;
        body._zeros = body._partials + chunks * (plane + np);
        new Span<float>(body._zeros, Math.Max(cin, g.OutC)).Clear();
        body._rowOff = Scratch.Ints(Scratch.Packed, (long)cin + Tiles);
        body._colOff = body._rowOff + cin;
        for (int c = 0; c < cin; c++) body._rowOff[c] = c;
        for (int t = 0; t < Tiles; t++) body._colOff[t] = t * (36 * cin + PlaneSkew);
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
        // The chunks' partials summed in chunk order and transformed to dw, an input channel per work item (each
        // element's sum has the same order whichever thread does it).
        body._chunks = chunks;
        body._dw = dw;
        body._reducing = true;
        try { WorkerPool.Shared.For(cin, body, plane * chunks); }
        finally { body._reducing = false; body._partials = body._biasPartials = body._zeros = body._dw = null; }
    }

    private void Reduce(int ci)
    {
        ref readonly var g = ref _g;
        long plane = 36L * g.InC * _np;
        for (int xi = 0; xi < 36; xi++)
        {
            var total = new Span<float>(_partials + xi * g.InC * _np + (long)ci * _np, g.OutC);
            for (int c = 1; c < _chunks; c++)
                TensorPrimitives.Add(total, new ReadOnlySpan<float>(_partials + c * plane + xi * g.InC * _np + (long)ci * _np, g.OutC), total);
        }
        WinogradF43Kernel.Gradient(_partials, g.InC, g.OutC, _np, _dw, ci, ci + 1);
    }

    public void Execute(int chunk)
    {
        if (_reducing)
        {
            Reduce(chunk);
            return;
        }
        ref readonly var g = ref _g;
        int cin = g.InC, cout = g.OutC, np = _np;
        long plane = 36L * cin * np;
        float* partial = _partials + chunk * plane;
        new Span<float>(partial, (int)plane).Clear();
        float* biasPartial = _biasPartials == null ? null : _biasPartials + (long)chunk * np;
        if (biasPartial != null) new Span<float>(biasPartial, np).Clear();
        long vRow = 36L * cin + PlaneSkew, eRow = 36L * np + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileA, Tiles * vRow);
        float* e = Scratch.Floats(Scratch.TileB, Tiles * eRow);
        if (cout != np) new Span<float>(e, (int)(Tiles * eRow)).Clear(); // the columns past Cout stay zero
        float** window = stackalloc float*[36];
        float** dyTile = stackalloc float*[16];
        int n0 = chunk * _chunkImages, nEnd = Math.Min(g.Batch, n0 + _chunkImages);
        int imageOutputs = g.OutH * g.OutW * cout;
        long imageInputs = (long)g.InH * g.InW * cin;
        for (int n = n0; n < nEnd; n++)
        {
            float* dyImage = _dy + (long)n * imageOutputs;
            if (_reluOutput != null)
                Activations.ReluMaskGradient(new ReadOnlySpan<float>(_reluOutput + (long)n * imageOutputs, imageOutputs), new Span<float>(dyImage, imageOutputs));
            if (biasPartial != null) ConvLayout.SumRowsInto(dyImage, g.OutH * g.OutW, cout, biasPartial);
        }
        int perImage = _tilesH * _tilesW, total = (nEnd - n0) * perImage;
        for (int first = 0; first < total; first += Tiles)
        {
            int count = Math.Min(Tiles, total - first);
            for (int t = 0; t < count; t++)
            {
                int n = n0 + (first + t) / perImage, tile = (first + t) % perImage;
                int oh = tile / _tilesW * 4, ow = tile % _tilesW * 4;
                float* image = _x + n * imageInputs;
                float* dyImage = _dy + (long)n * imageOutputs;
                WinogradTileWindow.Gather(image, dyImage, _zeros, g, oh, ow, 4, window, dyTile);
                WinogradF43Transforms.Input(window, cin, v + t * vRow, cin);
                WinogradF43Transforms.Gradient(dyTile, cout, e + t * eRow, np);
            }
            for (int xi = 0; xi < 36; xi++)
                ConvMicroKernel.Run(v + xi * cin, _rowOff, _colOff, count, e + xi * np, (int)eRow, np,
                    partial + xi * cin * np, np, cin, g.OutC, null, accumulate: true);
        }
    }
}
