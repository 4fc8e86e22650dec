using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Winograd F(2×2, 3×3) for 16-filter layers on AVX-512 (the growth chart's width 16: 16 → 16
/// channels, and the input gradient of any 16-filter layer with 16–64 input channels), with the
/// three stages of a block of <see cref="BlockTiles"/> tiles done back to back in L1: input
/// transform, the 16 products (one zmm of 16 output channels per tile and ξ, a reduction over the
/// input channels with broadcast loads) and output transform. <see cref="WinogradF23"/> takes each
/// stage over a chunk of 64 tiles, whose transformed tiles (64 KB each way) make a round trip
/// through L2, finds each tile's 16 window positions through a pointer table, and runs its products
/// through the general micro-kernel; at 16 channels those costs were as large as the products.
/// </summary>
/// <remarks>
/// A work item (a band of tile rows of one image, cut as in <see cref="WinogradF23"/>) first copies
/// the input rows it sees into a zero-padded band, so every tile's window is four runs of four
/// pixels at fixed offsets, with no border cases. Each output element is the same float operations
/// in the same order as <see cref="WinogradF23"/>'s (the same transforms; products that start at
/// zero and add one fused multiply-add per input channel in order, as the micro-kernel does), so the
/// results are bit-identical to it (KernelCheck's WinogradChecks assert it) and share its error
/// bound; every output element is written by one work item, so they do not depend on the thread count.
/// </remarks>
internal sealed unsafe class WinogradF23Narrow512 : IParallelBody
{
    /// <summary>The output channels this path takes: one 512-bit vector.</summary>
    public const int Filters = 16;

    /// <summary>The most input channels (the 16 kernel planes, 16·Cin·16 floats, then fill 64 KB).</summary>
    public const int MaxInC = 64;

    /// <summary>Tiles transformed, multiplied and written together (8 independent accumulators per ξ).</summary>
    public const int BlockTiles = 8;

    [ThreadStatic] private static WinogradF23Narrow512? t_instance;

    /// <summary>Turns this path off for calls made on this thread (tests compare it with <see cref="WinogradF23"/>).</summary>
    [ThreadStatic] public static bool Disabled;

    private Conv2DGeometry _g;
    private float* _x, _u, _bias, _y;
    private int _tilesH, _tilesW, _tileRowsPerTask, _tasksPerImage, _bandWidth;
    private bool _relu, _accumulate;

    /// <summary>
    /// Whether a geometry that <see cref="WinogradF23"/> would run goes here instead: AVX-512 with
    /// 512-bit vectors accelerated, exactly 16 filters, input channels a multiple of 16 up to
    /// <see cref="MaxInC"/>, and a band of one tile row that fits in 2^22 floats.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) =>
        !Disabled && Avx512F.IsSupported && Vector512.IsHardwareAccelerated && WinogradF23.Fits(g)
        && g.OutC == Filters && g.InC % 16 == 0 && g.InC <= MaxInC
        && 4L * (g.OutW + 3L) * g.InC <= 1 << 22;

    /// <summary>Writes y = conv(x, w) + bias (through ReLU if asked), or adds conv(x, w) to y when <paramref name="accumulate"/>.</summary>
    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g, bool relu, bool accumulate)
    {
        if (!WinogradF23.Fits(g) || g.OutC != Filters || g.InC % 16 != 0 || g.InC > MaxInC)
            throw new ArgumentException($"The 16-filter Winograd path needs a 3×3 stride-1 undilated convolution with 16 filters and 16–{MaxInC} input channels in multiples of 16; got {g}.");
        var body = t_instance ??= new WinogradF23Narrow512();
        body._g = g;
        body._x = x;
        body._y = y;
        body._bias = bias;
        body._relu = relu;
        body._accumulate = accumulate;
        body._tilesH = (g.OutH + 1) / 2;
        body._tilesW = (g.OutW + 1) / 2;
        body._tileRowsPerTask = Math.Clamp(WinogradF23.TilesPerChunk / body._tilesW, 1, body._tilesH);
        body._tasksPerImage = (body._tilesH + body._tileRowsPerTask - 1) / body._tileRowsPerTask;
        body._bandWidth = 2 * body._tilesW + 2;
        body._u = Scratch.Floats(Scratch.Packed, 16L * g.InC * Filters);
        WinogradTransforms.Kernel(w, g.InC, Filters, Filters, body._u);
        long work = (long)g.Batch * body._tilesH * body._tilesW * 16 * g.InC * Filters;
        try { WorkerPool.Shared.For(g.Batch * body._tasksPerImage, body, work); }
        finally { body._x = body._u = body._bias = body._y = null; }
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _tasksPerImage, tr0 = index % _tasksPerImage * _tileRowsPerTask;
        int trEnd = Math.Min(_tilesH, tr0 + _tileRowsPerTask);
        int c = g.InC, width = _bandWidth;
        int rows = 2 * (trEnd - tr0) + 2;
        float* band = Scratch.Floats(Scratch.TileA, (long)rows * width * c);
        CopyBand(_x + (long)n * g.InH * g.InW * c, band, 2 * tr0 - g.PadTop, rows);
        long vTile = 16L * c;
        float* v = Scratch.Floats(Scratch.TileB, BlockTiles * (vTile + 256));
        float* m = v + BlockTiles * vTile;
        float* yImage = _y + (long)n * g.OutH * g.OutW * Filters;
        long rowStride = (long)width * c;
        int first = tr0 * _tilesW, end = trEnd * _tilesW;
        for (int block = first; block < end; block += BlockTiles)
        {
            int count = Math.Min(BlockTiles, end - block);
            for (int t = 0; t < count; t++)
            {
                int tile = block + t, th = tile / _tilesW - tr0, tw = tile % _tilesW;
                WinogradInput512.Transform(band + 2 * th * rowStride + 2L * tw * c, rowStride, c, v + t * vTile, c);
            }
            if (count < BlockTiles) new Span<float>(v + count * vTile, (int)((BlockTiles - count) * vTile)).Clear();
            Products(v, c, _u, m);
            for (int t = 0; t < count; t++)
            {
                int tile = block + t, oh = tile / _tilesW * 2, ow = tile % _tilesW * 2;
                float* y0 = yImage + ((long)oh * g.OutW + ow) * Filters;
                bool right = ow + 1 < g.OutW, below = oh + 1 < g.OutH;
                KernelBounds.Range(y0 - _y, Filters, g.OutputLength);
                if (below) KernelBounds.Range(y0 + (long)g.OutW * Filters - _y, (right ? 2 : 1) * Filters, g.OutputLength);
                else if (right) KernelBounds.Range(y0 + Filters - _y, Filters, g.OutputLength);
                Output(m + t * 256, y0, g.OutW * Filters, right, below);
            }
        }
    }

    /// <summary>
    /// Input rows [top, top + rows) of one image (zeros outside it) into a band of
    /// <see cref="_bandWidth"/> columns, column j holding input column j − padLeft (zeros outside).
    /// </summary>
    private void CopyBand(float* image, float* band, int top, int rows)
    {
        ref readonly var g = ref _g;
        int c = g.InC, width = _bandWidth;
        int left = Math.Min(g.PadLeft, width), count = Math.Clamp(width - g.PadLeft, 0, g.InW);
        for (int r = 0; r < rows; r++)
        {
            float* dst = band + (long)r * width * c;
            int ih = top + r;
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

    /// <summary>
    /// M[t][ξ] (16 filters) = Σ_ci V[t][ξ·c + ci]·U[ξ·c·16 + ci·16] for the block's <see cref="BlockTiles"/>
    /// tiles, two ξ at a time (16 accumulators): each starts at zero and takes one fused multiply-add per
    /// input channel in order, as <see cref="ConvMicroKernel"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Products(float* v, int c, float* u, float* m)
    {
        long s = 16L * c; // tile stride in v
        for (int xi = 0; xi < 16; xi += 2)
        {
            float* ua = u + (long)xi * c * Filters, ub = ua + (long)c * Filters;
            float* a0 = v + xi * c, a1 = a0 + s, a2 = a1 + s, a3 = a2 + s, a4 = a3 + s, a5 = a4 + s, a6 = a5 + s, a7 = a6 + s;
            var z = Vector512<float>.Zero;
            Vector512<float> p0 = z, p1 = z, p2 = z, p3 = z, p4 = z, p5 = z, p6 = z, p7 = z;
            Vector512<float> q0 = z, q1 = z, q2 = z, q3 = z, q4 = z, q5 = z, q6 = z, q7 = z;
            for (int ci = 0; ci < c; ci++)
            {
                var wa = Vector512.Load(ua + ci * Filters);
                var wb = Vector512.Load(ub + ci * Filters);
                int k = ci + c; // the same tile's next ξ
                p0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[ci]), wa, p0);
                q0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[k]), wb, q0);
                p1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[ci]), wa, p1);
                q1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[k]), wb, q1);
                p2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[ci]), wa, p2);
                q2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[k]), wb, q2);
                p3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[ci]), wa, p3);
                q3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[k]), wb, q3);
                p4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[ci]), wa, p4);
                q4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[k]), wb, q4);
                p5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[ci]), wa, p5);
                q5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[k]), wb, q5);
                p6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[ci]), wa, p6);
                q6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[k]), wb, q6);
                p7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[ci]), wa, p7);
                q7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[k]), wb, q7);
            }
            float* o = m + xi * Filters;
            p0.Store(o); q0.Store(o + Filters);
            p1.Store(o + 256); q1.Store(o + 256 + Filters);
            p2.Store(o + 512); q2.Store(o + 512 + Filters);
            p3.Store(o + 768); q3.Store(o + 768 + Filters);
            p4.Store(o + 1024); q4.Store(o + 1024 + Filters);
            p5.Store(o + 1280); q5.Store(o + 1280 + Filters);
            p6.Store(o + 1536); q6.Store(o + 1536 + Filters);
            p7.Store(o + 1792); q7.Store(o + 1792 + Filters);
        }
    }

    /// <summary>
    /// Y = Aᵀ·M·A for one tile's 16 products (ξ-major, 16 floats each), then bias, accumulation and
    /// ReLU, into the 2×2 outputs at <paramref name="y0"/> (rows <paramref name="rowStride"/> floats
    /// apart; the right column and bottom row only where they exist): <see cref="WinogradTransforms.Output"/>'s
    /// operations, in its order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Output(float* q, float* y0, int rowStride, bool right, bool below)
    {
        ColumnTimesAT(Vector512.Load(q), Vector512.Load(q + 64), Vector512.Load(q + 128), Vector512.Load(q + 192), out var s00, out var s10);
        ColumnTimesAT(Vector512.Load(q + 16), Vector512.Load(q + 80), Vector512.Load(q + 144), Vector512.Load(q + 208), out var s01, out var s11);
        ColumnTimesAT(Vector512.Load(q + 32), Vector512.Load(q + 96), Vector512.Load(q + 160), Vector512.Load(q + 224), out var s02, out var s12);
        ColumnTimesAT(Vector512.Load(q + 48), Vector512.Load(q + 112), Vector512.Load(q + 176), Vector512.Load(q + 240), out var s03, out var s13);
        ColumnTimesAT(s00, s01, s02, s03, out var y00, out var y01);
        ColumnTimesAT(s10, s11, s12, s13, out var y10, out var y11);
        if (_bias != null)
        {
            var b = Vector512.Load(_bias);
            y00 += b;
            y01 += b;
            y10 += b;
            y11 += b;
        }
        Write(y00, y0);
        if (right) Write(y01, y0 + Filters);
        if (below)
        {
            Write(y10, y0 + rowStride);
            if (right) Write(y11, y0 + rowStride + Filters);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnTimesAT(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, out Vector512<float> r0, out Vector512<float> r1)
    {
        r0 = m0 + m1 + m2;
        r1 = m1 - m2 - m3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write(Vector512<float> v, float* y)
    {
        if (_accumulate) v = Vector512.Load(y) + v;
        if (_relu) v = Vector512.Max(v, Vector512<float>.Zero);
        v.Store(y);
    }
}
