using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution kernel gradient, dW (K, Cout) += Σ over output pixels of col(pixel)ᵀ·dy(pixel).
/// </summary>
/// <remarks>
/// Determinism: the batch is cut into at most <see cref="MaxChunks"/> chunks of a size that
/// depends on the batch only; each chunk sums its images into its own partial (K, np) in a fixed
/// order, and the partials are added in chunk order at the end. Which thread runs a chunk never
/// matters, so dW is bit-identical for any thread count.
/// Within an image, pixels are taken in order in runs of up to <see cref="Tile"/>. A run of
/// pixels whose windows lie inside the input is read directly from the image (rows of A = taps,
/// through the tap-offset table; reduction over the run's pixels, through a table of their
/// offsets); pixels at padded borders are im2col'd into a tile first. The micro-kernel is
/// vectorised over output channels.
/// Padded groups: when some window leaves the input (padding) or the images are small, and a group of
/// zero-padded images fits <see cref="MaxGroupFloats"/>, each chunk copies its images, a group at a
/// time, into zero-padded copies laid end to end, and every pixel is read directly: the reduction then
/// runs over up to <see cref="GroupRun"/> consecutive pixels that may span rows and images, instead of
/// runs that stop at every border pixel (a stride-2 'same' layer on 14×14 had runs of 6 pixels, each
/// loading and storing the whole partial dW block) and im2col tiles.
/// Fused prologue and epilogue (optional): before an image's pixels are used, its dy is masked in
/// place where the layer's ReLU output is ≤ 0; each run (or border tile) of dy rows is summed into
/// the chunk's bias partial right after the micro-kernel has read it, while it is in L1 — dy is
/// read from memory once for dW and db together, instead of in separate passes over the batch.
/// </remarks>
internal sealed unsafe class ConvBackwardKernel : IParallelBody
{
    private const int MaxChunks = 16;
    private const int Tile = 128; // pixels per run
    private const int GroupRun = 256; // pixels per run over a padded group
    private const long MaxGroupFloats = 1L << 22; // the largest padded group (16 MB of scratch)

    [ThreadStatic] private static ConvBackwardKernel? t_instance;

    /// <summary>Turns the padded-group path off on the calling thread (checks and probes compare it with the runs it replaces).</summary>
    [ThreadStatic] public static bool PaddedGroupsDisabled;

    private Conv2DGeometry _g;
    private float* _x, _dy, _partials, _reluOutput, _biasPartials;
    private int* _direct, _taps, _colOffsets;
    private int _k, _np, _chunkImages;
    private int _groupImages, _paddedH, _paddedW; // > 0: the padded-group path (see the remarks)
    private long _tapMin, _tapMax; // range of the direct tap offsets (bounds assertions)

    /// <summary>
    /// dw += Σ col(pixel)ᵀ·dy(pixel). With <paramref name="reluOutput"/>, dy is first masked in place
    /// where it is ≤ 0; with <paramref name="db"/>, db += Σ_pixels dy (after the mask).
    /// </summary>
    public static void Run(float* x, float* dy, float* dw, in Conv2DGeometry g, float* reluOutput = null, float* db = null)
    {
        int k = g.KernelH * g.KernelW * g.InC, np = ConvMicroKernel.Padded(g.OutC);
        if (g.OutputLength == 0) return;
        if (k == 0 && reluOutput == null && db == null) return;
        if (WinogradF43KernelGradient.Applies(g))
        {
            WinogradF43KernelGradient.Run(x, dy, dw, g, reluOutput, db);
            return;
        }
        if (WinogradF23KernelGradient.Applies(g))
        {
            WinogradF23KernelGradient.Run(x, dy, dw, g, reluOutput, db);
            return;
        }
        var body = t_instance ??= new ConvBackwardKernel();
        int chunkImages = (g.Batch + MaxChunks - 1) / MaxChunks;
        int chunks = (g.Batch + chunkImages - 1) / chunkImages;
        body._g = g;
        body._x = x;
        body._dy = dy;
        body._k = k;
        body._np = np;
        body._chunkImages = chunkImages;
        body._partials = Scratch.Floats(Scratch.Packed, chunks * (k + 1L) * np);
        body._biasPartials = db == null ? null : body._partials + (long)chunks * k * np;
        body._reluOutput = reluOutput;
        body.ChoosePaddedGroups(g, k);
        int rowStride = body._groupImages > 0 ? body._paddedW : g.InW;
        int* tables = Scratch.Ints(Scratch.Packed, 2L * k + Tile);
        body._direct = tables;          // tap (kh, kw, ci) → offset from its window's corner
        body._taps = tables + k;        // im2col: tap r of a pixel
        body._colOffsets = tables + 2 * k; // im2col: pixel j of the tile
        for (int kh = 0, r = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int ci = 0; ci < g.InC; ci++, r++)
                {
                    body._direct[r] = (kh * g.DilationH * rowStride + kw * g.DilationW) * g.InC + ci;
                    body._taps[r] = r;
                }
        for (int j = 0; j < Tile; j++) body._colOffsets[j] = j * k;
        (body._tapMin, body._tapMax) = ConvLayout.TableRange(body._direct, k);
        try { WorkerPool.Shared.For(chunks, body); }
        finally { body._x = body._dy = body._reluOutput = null; }

        if (db != null)
        {
            var biasTotal = new Span<float>(body._biasPartials, np);
            for (int c = 1; c < chunks; c++)
                TensorPrimitives.Add(biasTotal, new ReadOnlySpan<float>(body._biasPartials + (long)c * np, np), biasTotal);
            var dbSpan = new Span<float>(db, g.OutC);
            TensorPrimitives.Add(dbSpan, biasTotal[..g.OutC], dbSpan);
            body._biasPartials = null;
        }
        int size = k * np;
        var total = new Span<float>(body._partials, size);
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(body._partials + (long)c * size, size), total);
        for (int r = 0; r < k; r++)
        {
            var dwRow = new Span<float>(dw + r * g.OutC, g.OutC);
            TensorPrimitives.Add(dwRow, total.Slice(r * np, g.OutC), dwRow);
        }
        body._partials = null;
    }

    /// <summary>
    /// Sets the padded-group path when some output pixel's window leaves the input or an image has
    /// fewer than <see cref="GroupRun"/> output pixels, and a padded image fits <see cref="MaxGroupFloats"/>:
    /// a group is as many images as give up to <see cref="GroupRun"/> pixels (at least one), within a chunk.
    /// </summary>
    private void ChoosePaddedGroups(in Conv2DGeometry g, int k)
    {
        _groupImages = _paddedH = _paddedW = 0;
        if (PaddedGroupsDisabled || k == 0 || g.OutH == 0 || g.OutW == 0) return;
        var (lo, hi) = ConvLayout.InteriorColumns(g);
        bool allInterior = lo == 0 && hi == g.OutW && ConvLayout.RowInterior(g, 0) && ConvLayout.RowInterior(g, g.OutH - 1);
        long pixels = (long)g.OutH * g.OutW;
        if (allInterior && pixels >= GroupRun) return;
        long height = (g.OutH - 1L) * g.StrideH + (g.KernelH - 1L) * g.DilationH + 1;
        long width = (g.OutW - 1L) * g.StrideW + (g.KernelW - 1L) * g.DilationW + 1;
        long imageFloats = height * width * g.InC;
        if (imageFloats > MaxGroupFloats) return;
        _groupImages = (int)Math.Clamp(GroupRun / pixels, 1, Math.Min(_chunkImages, MaxGroupFloats / imageFloats));
        _paddedH = (int)height;
        _paddedW = (int)width;
    }

    public void Execute(int chunk)
    {
        ref readonly var g = ref _g;
        int k = _k, np = _np;
        float* partial = _partials + (long)chunk * k * np;
        new Span<float>(partial, k * np).Clear();
        float* biasPartial = _biasPartials == null ? null : _biasPartials + (long)chunk * np;
        if (biasPartial != null) new Span<float>(biasPartial, np).Clear();
        if (_groupImages > 0)
        {
            ExecutePaddedGroups(chunk, partial, biasPartial);
            return;
        }
        var tile = new Tiles(
            Scratch.Floats(Scratch.TileA, (long)Tile * k),
            Scratch.Floats(Scratch.TileB, (long)Tile * np),
            Scratch.Floats(Scratch.TileC, (long)Tile * np),
            Scratch.Ints(Scratch.TileA, Tile));
        var (lo, hi) = ConvLayout.InteriorColumns(g);
        int nEnd = Math.Min(g.Batch, (chunk + 1) * _chunkImages);
        for (int n = chunk * _chunkImages; n < nEnd; n++)
        {
            float* image = _x + (long)n * g.InH * g.InW * g.InC;
            long imageOutputs = (long)g.OutH * g.OutW * g.OutC;
            float* dyImage = _dy + n * imageOutputs;
            if (_reluOutput != null)
                Activations.ReluMaskGradient(new ReadOnlySpan<float>(_reluOutput + n * imageOutputs, (int)imageOutputs), new Span<float>(dyImage, (int)imageOutputs));
            if (k == 0)
            {
                if (biasPartial != null) ConvLayout.SumRowsInto(dyImage, g.OutH * g.OutW, g.OutC, biasPartial);
                continue;
            }
            int runStart = 0, runLength = 0, borderCount = 0;
            for (int oh = 0; oh < g.OutH; oh++)
            {
                bool rowInterior = ConvLayout.RowInterior(g, oh);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    int p = oh * g.OutW + ow;
                    if (rowInterior && ow >= lo && ow < hi)
                    {
                        if (runLength == 0) runStart = p;
                        int at = ((oh * g.StrideH - g.PadTop) * g.InW + ow * g.StrideW - g.PadLeft) * g.InC;
                        KernelBounds.Range(at + _tapMin, _tapMax - _tapMin + 1, (long)g.InH * g.InW * g.InC);
                        tile.RunOffsets[runLength++] = at;
                        if (runLength == Tile) FlushRun(image, dyImage, runStart, ref runLength, tile, partial, biasPartial);
                        continue;
                    }
                    FlushRun(image, dyImage, runStart, ref runLength, tile, partial, biasPartial);
                    ConvLayout.Im2ColPixel(image, g, oh, ow, tile.Col + (long)borderCount * k);
                    ConvLayout.PadRows(dyImage + p * g.OutC, 1, g.OutC, np, tile.Dy + borderCount * np);
                    if (++borderCount == Tile) FlushBorder(ref borderCount, tile, partial, biasPartial);
                }
            }
            FlushRun(image, dyImage, runStart, ref runLength, tile, partial, biasPartial);
            FlushBorder(ref borderCount, tile, partial, biasPartial);
        }
    }

    /// <summary>
    /// One chunk on the padded-group path: each group of images is masked (if asked) and copied into
    /// zero-padded images laid end to end, then its pixels are reduced in order, in runs of up to
    /// <see cref="GroupRun"/> that span rows and images (dy of consecutive images is contiguous).
    /// </summary>
    private void ExecutePaddedGroups(int chunk, float* partial, float* biasPartial)
    {
        ref readonly var g = ref _g;
        int pixels = g.OutH * g.OutW, c = g.InC, width = _paddedW;
        long imageOutputs = (long)pixels * g.OutC, imageFloats = (long)_paddedH * width * c;
        float* padded = Scratch.Floats(Scratch.TileA, _groupImages * imageFloats);
        float* runDy = g.OutC == _np ? null : Scratch.Floats(Scratch.TileB, (long)GroupRun * _np);
        int* offsets = Scratch.Ints(Scratch.TileA, GroupRun);
        int nEnd = Math.Min(g.Batch, (chunk + 1) * _chunkImages);
        for (int n0 = chunk * _chunkImages; n0 < nEnd; n0 += _groupImages)
        {
            int count = Math.Min(_groupImages, nEnd - n0);
            for (int i = 0; i < count; i++)
            {
                int n = n0 + i;
                if (_reluOutput != null)
                    Activations.ReluMaskGradient(new ReadOnlySpan<float>(_reluOutput + n * imageOutputs, (int)imageOutputs), new Span<float>(_dy + n * imageOutputs, (int)imageOutputs));
                ConvLayout.CopyPaddedBand(_x + (long)n * g.InH * g.InW * c, g.InH, g.InW, c, -g.PadTop, _paddedH, g.PadLeft, width, padded + i * imageFloats);
            }
            float* dyGroup = _dy + n0 * imageOutputs;
            int total = count * pixels;
            for (int p0 = 0; p0 < total; p0 += GroupRun)
            {
                int run = Math.Min(GroupRun, total - p0);
                for (int t = 0, i = p0 / pixels, q = p0 % pixels; t < run; t++)
                {
                    int oh = q / g.OutW, ow = q % g.OutW;
                    offsets[t] = (int)(i * imageFloats) + (oh * g.StrideH * width + ow * g.StrideW) * c;
                    KernelBounds.Range(offsets[t] + _tapMin, _tapMax - _tapMin + 1, count * imageFloats);
                    if (++q == pixels)
                    {
                        q = 0;
                        i++;
                    }
                }
                float* b = dyGroup + (long)p0 * g.OutC;
                if (biasPartial != null) ConvLayout.SumRowsInto(b, run, g.OutC, biasPartial);
                int ldb = g.OutC;
                if (runDy != null)
                {
                    ConvLayout.PadRows(b, run, g.OutC, _np, runDy);
                    b = runDy;
                    ldb = _np;
                }
                ConvMicroKernel.Run(padded, _direct, offsets, run, b, ldb, _np, partial, _np, _k, g.OutC, null, accumulate: true);
            }
        }
    }

    /// <summary>Scratch of one work item: an im2col tile with its dy rows; a run's dy rows and pixel offsets.</summary>
    private readonly struct Tiles(float* col, float* dy, float* runDy, int* runOffsets)
    {
        public readonly float* Col = col, Dy = dy, RunDy = runDy;
        public readonly int* RunOffsets = runOffsets;
    }

    private void FlushRun(float* image, float* dyImage, int runStart, ref int runLength, in Tiles tile, float* partial, float* biasPartial)
    {
        if (runLength == 0) return;
        float* b = dyImage + runStart * _g.OutC;
        if (biasPartial != null) ConvLayout.SumRowsInto(b, runLength, _g.OutC, biasPartial);
        int ldb = _g.OutC;
        if (_g.OutC != _np)
        {
            ConvLayout.PadRows(b, runLength, _g.OutC, _np, tile.RunDy);
            b = tile.RunDy;
            ldb = _np;
        }
        ConvMicroKernel.Run(image, _direct, tile.RunOffsets, runLength, b, ldb, _np, partial, _np, _k, _g.OutC, null, accumulate: true);
        runLength = 0;
    }

    private void FlushBorder(ref int count, in Tiles tile, float* partial, float* biasPartial)
    {
        if (count == 0) return;
        if (biasPartial != null) ConvLayout.SumRowsInto(tile.Dy, count, _np, biasPartial);
        ConvMicroKernel.Run(tile.Col, _taps, _colOffsets, count, tile.Dy, _np, _np, partial, _np, _k, _g.OutC, null, accumulate: true);
        count = 0;
    }
}
