using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// <see cref="WinogradF23KernelGradient"/> for 16-filter layers on AVX-512 (the kernel gradient of
/// the layers <see cref="WinogradF23Narrow512"/> runs forward): the same sums, in the same order, so
/// the same bits, with the per-tile work made cheap — each image is copied once into a zero-padded
/// band (every window is four runs at fixed offsets, no pointer table and no border cases), the
/// transforms are inlined at one vector width, and the transformed tiles are stored ξ-major (each of
/// the 16 products streams through 64 consecutive tiles, one cache line each) instead of tile-major.
/// </summary>
/// <remarks>
/// Determinism and chunking exactly as <see cref="WinogradF23KernelGradient"/>: the batch cut into
/// at most 16 chunks by the batch alone, each image's tiles in runs of
/// <see cref="WinogradF23.TilesPerChunk"/>, each run's products summed from zero over its tiles in
/// order (one fused multiply-add per tile) and then added to the chunk's partial, the partials added
/// in chunk order, and Gᵀ·M·G at the end. KernelCheck's WinogradChecks compare the bits.
/// </remarks>
internal sealed unsafe class WinogradF23Narrow512KernelGradient : IParallelBody
{
    private const int MaxChunks = 16;
    private const int Filters = WinogradF23Narrow512.Filters;
    private const int Tiles = WinogradF23.TilesPerChunk;
    private const int PlaneSkew = 16; // floats: one 64-byte line

    [ThreadStatic] private static WinogradF23Narrow512KernelGradient? t_instance;

    private Conv2DGeometry _g;
    private float* _x, _dy, _partials, _reluOutput, _biasPartials;
    private int _chunkImages, _tilesH, _tilesW, _bandWidth, _bandRows;

    /// <summary>
    /// Whether the kernel gradient of <paramref name="g"/> runs here: the 16-filter forward path
    /// (<see cref="WinogradF23Narrow512"/>) applies, and a whole image's zero-padded band fits in 2^22 floats.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) =>
        WinogradF23Narrow512.Applies(g)
        && (2L * ((g.OutH + 1) / 2) + 2) * (2L * ((g.OutW + 1) / 2) + 2) * g.InC <= 1 << 22;

    /// <summary>As <see cref="WinogradF23KernelGradient.Run"/>.</summary>
    public static void Run(float* x, float* dy, float* dw, in Conv2DGeometry g, float* reluOutput, float* db)
    {
        if (!WinogradF23.Fits(g) || g.OutC != Filters || g.InC % 16 != 0 || g.InC > WinogradF23Narrow512.MaxInC)
            throw new ArgumentException($"The 16-filter Winograd kernel gradient needs a 3×3 stride-1 undilated convolution with 16 filters and 16–{WinogradF23Narrow512.MaxInC} input channels in multiples of 16; got {g}.");
        var body = t_instance ??= new WinogradF23Narrow512KernelGradient();
        int cin = g.InC;
        int chunkImages = (g.Batch + MaxChunks - 1) / MaxChunks;
        int chunks = (g.Batch + chunkImages - 1) / chunkImages;
        long plane = 16L * cin * Filters;
        body._g = g;
        body._x = x;
        body._dy = dy;
        body._chunkImages = chunkImages;
        body._tilesH = (g.OutH + 1) / 2;
        body._tilesW = (g.OutW + 1) / 2;
        body._bandWidth = 2 * body._tilesW + 2;
        body._bandRows = 2 * body._tilesH + 2;
        body._reluOutput = reluOutput;
        body._partials = Scratch.Floats(Scratch.Packed, chunks * (plane + Filters));
        body._biasPartials = db == null ? null : body._partials + chunks * plane;
        try { WorkerPool.Shared.For(chunks, body); }
        finally { body._x = body._dy = body._reluOutput = null; }

        if (db != null)
        {
            var biasTotal = new Span<float>(body._biasPartials, Filters);
            for (int c = 1; c < chunks; c++)
                TensorPrimitives.Add(biasTotal, new ReadOnlySpan<float>(body._biasPartials + (long)c * Filters, Filters), biasTotal);
            var dbSpan = new Span<float>(db, Filters);
            TensorPrimitives.Add(dbSpan, biasTotal, dbSpan);
        }
        var total = new Span<float>(body._partials, (int)plane);
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<float>(body._partials + c * plane, (int)plane), total);
        WinogradTransforms.KernelGradient(body._partials, cin, Filters, Filters, dw);
        body._partials = body._biasPartials = null;
    }

    public void Execute(int chunk)
    {
        ref readonly var g = ref _g;
        int cin = g.InC;
        long plane = 16L * cin * Filters;
        float* partial = _partials + chunk * plane;
        new Span<float>(partial, (int)plane).Clear();
        float* biasPartial = _biasPartials == null ? null : _biasPartials + (long)chunk * Filters;
        if (biasPartial != null) new Span<float>(biasPartial, Filters).Clear();
        float* band = Scratch.Floats(Scratch.TileA, (long)_bandRows * _bandWidth * cin);
        // ξ-major, [ξ][tile][channel], the planes one cache line further apart than a power of two: a
        // tile's 16 stores per transform would otherwise fall 4 KB apart, into one L1 set.
        long vPlane = (long)Tiles * cin + PlaneSkew, ePlane = Tiles * Filters + PlaneSkew;
        float* v = Scratch.Floats(Scratch.TileB, 16 * (vPlane + ePlane));
        float* e = v + 16 * vPlane;
        long rowStride = (long)_bandWidth * cin;
        int tiles = _tilesH * _tilesW, imageOutputs = g.OutH * g.OutW * Filters;
        int nEnd = Math.Min(g.Batch, (chunk + 1) * _chunkImages);
        for (int n = chunk * _chunkImages; n < nEnd; n++)
        {
            float* dyImage = _dy + (long)n * imageOutputs;
            if (_reluOutput != null)
                Activations.ReluMaskGradient(new ReadOnlySpan<float>(_reluOutput + (long)n * imageOutputs, imageOutputs), new Span<float>(dyImage, imageOutputs));
            if (biasPartial != null) ConvLayout.SumRowsInto(dyImage, g.OutH * g.OutW, Filters, biasPartial);
            CopyImage(_x + (long)n * g.InH * g.InW * cin, band);
            for (int first = 0; first < tiles; first += Tiles)
            {
                int count = Math.Min(Tiles, tiles - first);
                for (int t = 0; t < count; t++)
                {
                    int tile = first + t, th = tile / _tilesW, tw = tile % _tilesW;
                    WinogradInput512.Transform(band + 2 * th * rowStride + 2L * tw * cin, rowStride, cin, v + t * cin, vPlane);
                    int oh = 2 * th, ow = 2 * tw;
                    float* e0 = dyImage + ((long)oh * g.OutW + ow) * Filters;
                    KernelBounds.Range(e0 - dyImage, Filters, imageOutputs);
                    bool right = ow + 1 < g.OutW, below = oh + 1 < g.OutH;
                    var z = Vector512<float>.Zero;
                    var e00 = Vector512.Load(e0);
                    var e01 = right ? Vector512.Load(e0 + Filters) : z;
                    var e10 = below ? Vector512.Load(e0 + g.OutW * Filters) : z;
                    var e11 = right && below ? Vector512.Load(e0 + (g.OutW + 1) * Filters) : z;
                    if (below) KernelBounds.Range(e0 + g.OutW * Filters - dyImage, (right ? 2 : 1) * Filters, imageOutputs);
                    Gradient(e00, e01, e10, e11, e + t * Filters, ePlane);
                }
                for (int xi = 0; xi < 16; xi++)
                    for (int cb = 0; cb < cin; cb += 16)
                        Products(v + xi * vPlane + cb, cin, e + xi * ePlane, count, partial + ((long)xi * cin + cb) * Filters);
            }
        }
    }

    /// <summary>The image, zero-padded: band row r, column j hold input pixel (r − padTop, j − padLeft) (zeros outside the input).</summary>
    private void CopyImage(float* image, float* band)
    {
        ref readonly var g = ref _g;
        int c = g.InC, width = _bandWidth;
        int left = Math.Min(g.PadLeft, width), count = Math.Clamp(width - g.PadLeft, 0, g.InW);
        for (int r = 0; r < _bandRows; r++)
        {
            float* dst = band + (long)r * width * c;
            int ih = r - g.PadTop;
            if ((uint)ih >= (uint)g.InH)
            {
                new Span<float>(dst, width * c).Clear();
                continue;
            }
            new Span<float>(dst, left * c).Clear();
            KernelBounds.Range((long)ih * g.InW * c, (long)count * c, (long)g.InH * g.InW * c);
            new ReadOnlySpan<float>(image + (long)ih * g.InW * c, count * c).CopyTo(new Span<float>(dst + left * c, count * c));
            new Span<float>(dst + (left + count) * c, (width - left - count) * c).Clear();
        }
    }

    /// <summary>E[ξ·s] = (A·e·Aᵀ)[ξ] for the 2×2 dy tile (e00, e01; e10, e11): <see cref="WinogradTransforms.Gradient"/>'s operations, in its order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gradient(Vector512<float> e00, Vector512<float> e01, Vector512<float> e10, Vector512<float> e11, float* e, long s)
    {
        RowTimesAT(e00, e01, e, s);
        RowTimesAT(e00 + e10, e01 + e11, e + 4 * s, s);
        RowTimesAT(e00 - e10, e01 - e11, e + 8 * s, s);
        RowTimesAT(-e10, -e11, e + 12 * s, s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTimesAT(Vector512<float> a, Vector512<float> b, float* e, long s)
    {
        a.Store(e);
        (a + b).Store(e + s);
        (a - b).Store(e + 2 * s);
        (-b).Store(e + 3 * s);
    }

    /// <summary>
    /// Rows ci of one product (16 of them, <paramref name="v"/> already at the first): m[ci] += Σ_t v[t·c + ci]·e[t·16]
    /// over the run's tiles, the sum starting at zero with one fused multiply-add per tile in order, then added to m.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Products(float* v, int c, float* e, int count, float* m)
    {
        var z = Vector512<float>.Zero;
        Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
        Vector512<float> a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
        for (int t = 0; t < count; t++, v += c, e += Filters)
        {
            var w = Vector512.Load(e);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(v[0]), w, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Create(v[1]), w, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Create(v[2]), w, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Create(v[3]), w, a3);
            a4 = Vector512.FusedMultiplyAdd(Vector512.Create(v[4]), w, a4);
            a5 = Vector512.FusedMultiplyAdd(Vector512.Create(v[5]), w, a5);
            a6 = Vector512.FusedMultiplyAdd(Vector512.Create(v[6]), w, a6);
            a7 = Vector512.FusedMultiplyAdd(Vector512.Create(v[7]), w, a7);
            a8 = Vector512.FusedMultiplyAdd(Vector512.Create(v[8]), w, a8);
            a9 = Vector512.FusedMultiplyAdd(Vector512.Create(v[9]), w, a9);
            a10 = Vector512.FusedMultiplyAdd(Vector512.Create(v[10]), w, a10);
            a11 = Vector512.FusedMultiplyAdd(Vector512.Create(v[11]), w, a11);
            a12 = Vector512.FusedMultiplyAdd(Vector512.Create(v[12]), w, a12);
            a13 = Vector512.FusedMultiplyAdd(Vector512.Create(v[13]), w, a13);
            a14 = Vector512.FusedMultiplyAdd(Vector512.Create(v[14]), w, a14);
            a15 = Vector512.FusedMultiplyAdd(Vector512.Create(v[15]), w, a15);
        }
        (a0 + Vector512.Load(m)).Store(m);
        (a1 + Vector512.Load(m + 16)).Store(m + 16);
        (a2 + Vector512.Load(m + 32)).Store(m + 32);
        (a3 + Vector512.Load(m + 48)).Store(m + 48);
        (a4 + Vector512.Load(m + 64)).Store(m + 64);
        (a5 + Vector512.Load(m + 80)).Store(m + 80);
        (a6 + Vector512.Load(m + 96)).Store(m + 96);
        (a7 + Vector512.Load(m + 112)).Store(m + 112);
        (a8 + Vector512.Load(m + 128)).Store(m + 128);
        (a9 + Vector512.Load(m + 144)).Store(m + 144);
        (a10 + Vector512.Load(m + 160)).Store(m + 160);
        (a11 + Vector512.Load(m + 176)).Store(m + 176);
        (a12 + Vector512.Load(m + 192)).Store(m + 192);
        (a13 + Vector512.Load(m + 208)).Store(m + 208);
        (a14 + Vector512.Load(m + 224)).Store(m + 224);
        (a15 + Vector512.Load(m + 240)).Store(m + 240);
    }
}
