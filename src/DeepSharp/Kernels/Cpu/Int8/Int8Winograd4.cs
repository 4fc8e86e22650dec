using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Int8 3×3, stride-1 convolution with the 2×2, stride-2 max pool after it, by an exact integer
/// Winograd F(4×4, 3×3), AVX-512BW: each 4×4 block of output pixels (a tile, four pool windows)
/// comes from its 6×6 input window d (u8, the padding the zero point) as
/// Y = A′ᵀ [Σ_c U′_c ⊙ V_c] A′ / 576 with V = Bᵀ d B and U′ = G′ g G′ᵀ
/// (<see cref="Int8Winograd4Weights"/>): 36 · Cin multiply-adds per tile and output channel instead of
/// F(2×2, 3×3)'s 4 · 16 · Cin (<see cref="Int8Winograd"/>) or the direct 16 · 9 · Cin. The pooled sums
/// are the direct kernels' bit for bit, so the epilogue is <see cref="Int8Epilogue.ToBytes"/>, as for
/// F(2×2); naive twin: <c>Reference.NaiveInt8.Conv2D</c> and the KernelCheck's plain integer evaluation.
/// </summary>
/// <remarks>
/// <para>The matrices (Lavin and Gray, 2016): Bᵀ = [[4,0,−5,0,1,0], [0,−4,−4,1,1,0], [0,4,−4,−1,1,0],
/// [0,−2,−1,2,1,0], [0,2,−1,−2,1,0], [0,4,0,−5,0,1]]; G = [[1/4,0,0], [−1/6,−1/6,−1/6], [−1/6,1/6,−1/6],
/// [1/24,1/12,1/6], [1/24,−1/12,1/6], [0,0,1]]; Aᵀ = [[1,1,1,1,1,0], [0,1,−1,2,−2,0], [0,1,1,4,4,0],
/// [0,1,−1,8,−8,1]]; Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. With s = (4, 6, 6, 24, 24, 1) and S = diag(s),
/// G′ = S G = [[1,0,0], [−1,−1,−1], [−1,1,−1], [1,2,4], [1,−2,4], [0,0,1]] is integer and
/// G g Gᵀ = S⁻¹ U′ S⁻¹, so Y = Aᵀ S⁻¹ [U′ ⊙ V] S⁻¹ A, and A′ᵀ = 24 · Aᵀ S⁻¹ = [[6,4,4,1,1,0],
/// [0,4,−4,2,−2,0], [0,4,4,4,4,0], [0,4,−4,8,−8,24]] is integer: A′ᵀ [Σ_c U′_c ⊙ V_c] A′ = 576 · Y.</para>
/// <para>Bounds. 0 ≤ d ≤ 255 and the rows of Bᵀ have |·| sums of at most 10, so |Bᵀ d| ≤ 2,550 and
/// |V| ≤ 10 · 2,550 = 25,500 &lt; 2¹⁵; the int16 arithmetic of the input transform wraps modulo 2¹⁶,
/// a ring, so whatever its intermediates, the result is V itself. |g| ≤ 128 and the rows of G′
/// have |·| sums of at most 7, so |U′| ≤ 7 · 7 · 128 = 6,272 &lt; 2¹⁵. A <c>vpmaddwd</c> lane adds two
/// products: |·| ≤ 2 · 25,500 · 6,272 = 319,872,000 &lt; 2³¹, no saturation. The channel sums and
/// the output transform (additions and shifts left) are int32 arithmetic modulo 2³², so the result
/// R is 576 · Y modulo 2³² exactly, whatever the intermediates.</para>
/// <para>Recovery. 576 = 2⁶ · 9 and 9 is odd, so it has an inverse modulo 2³² (954,437,177):
/// R · 9⁻¹ ≡ 64 · Y (mod 2³²). The direct sum Y = Σ d · g over 9 · Cin taps has
/// −9 · 255 · 128 · Cin ≤ Y ≤ 9 · 255 · 127 · Cin, so for Cin ≤ <see cref="MaxInC"/> = 114,
/// |Y| ≤ 33,488,640 &lt; 2²⁵ (115 channels would reach 33,782,400 &gt; 2²⁵ = 33,554,432), |64 · Y| &lt; 2³¹,
/// the int32 R · 9⁻¹ is 64 · Y itself, and the arithmetic shift right by 6 gives Y (64 · Y is
/// increasing in Y, so the pool's max is taken before the shift). The bound holds for
/// any bytes d, so the tiles past the output's edge (their windows filled with the zero point past the
/// image, their outputs dropped) are as exact as the rest.</para>
/// <para>Work per image: the input transform of every tile (its 6×6 window read in place where it lies
/// inside the image, else copied to a 6×6 block with the zero point around the image's bytes: the
/// padding and the tiles past an odd pool edge), per block of tile rows the 36 GEMMs of
/// <see cref="Int8WinogradKernels"/> (int32 sums in registers, the pair's weights loaded once for 4–6
/// tiles), then per tile the output transform and the pool's maxima in registers (only the quadrants
/// that are pooled); only the pooled sums meet the epilogue, which is monotonic in the sum (see
/// <see cref="Int8ImplicitConv.ImagePooled"/>). A pool row range need not start on an even row: a tile
/// is the pool rows ph, ph + 1 from the range's first one on. An odd count of pool rows leaves its last
/// row to F(2×2) (16 positions per pooled cell, a half-used F(4×4) tile 18), its 4×4 windows read in
/// place where there is no padding (<see cref="Int8Winograd.ImagePooledCellsInFrame"/>); on the
/// convnet's 5 × 5 pooled cells that is 6 · 36 + 5 · 16 = 296 positions per output channel against
/// F(2×2)'s 400.</para>
/// </remarks>
internal static unsafe class Int8Winograd4
{
    /// <summary>The most input channels whose sums Y satisfy |Y| &lt; 2²⁵: 9 · 255 · 128 · Cin &lt; 2²⁵.</summary>
    public const int MaxInC = 114;

    /// <summary>
    /// The int32 products one block of tile rows keeps (36 positions × tiles × channels): 96 KB, so
    /// that the convnet's 3 × 3 tiles of 64 channels go as one block (L2-resident).
    /// </summary>
    private const long ProductBudget = 24_000;

    /// <summary>
    /// Whether the convolution and pool run here: where <see cref="Int8Winograd"/> runs them
    /// (<see cref="Int8Winograd.Applies"/> and <see cref="Int8Winograd.PoolsTiles"/>) and the input
    /// channels are at most <see cref="MaxInC"/>.
    /// </summary>
    public static bool AppliesPooled(in Conv2DGeometry g, in Pool2DGeometry pool, Int8Weights w) =>
        (g.InC <= MaxInC && Int8Winograd.Applies(g, w) || Applies(g, w)) && Int8Winograd.PoolsTiles(pool);

    /// <summary>
    /// One image followed by the 2×2, stride-2 max pool, pool rows <paramref name="ph0"/>..<paramref name="ph1"/>−1
    /// written as bytes on (<paramref name="scale"/>, <paramref name="zeroPoint"/>) at <paramref name="y"/> (the image's pooled bytes).
    /// </summary>
    public static void ImagePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int ph0, int ph1)
    {
        if ((ph1 - ph0) % 2 == 1 && Int8WinogradMixed.Applies(w))
        {
            // Without VNNI: the odd last pool row by wide tiles F(2×4) (24 positions for two cells), its
            // odd last cell by F(2×2); the rows above by F(4×4), their odd last column by tall tiles.
            Run(g, pool, image, w, output, scale, zeroPoint, y, null, ph0, ph1 - 1);
            int last = ph1 - 1, wide = pool.OutW / 2, n = w.N;
            if (wide > 0)
            {
                int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, 2L * wide * n);
                Int8WinogradMixed.Wide(g, image, (byte)output.InputZeroPoint, w, last, wide, pooled);
                fixed (int* columnSums = w.ColumnSums)
                fixed (float* scales = output.Scales)
                fixed (float* bias = output.Bias)
                    Int8Epilogue.ToBytes(pooled, 2 * wide, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, y + (long)last * pool.OutW * n);
            }
            if (pool.OutW % 2 == 1)
            {
                int corner = last * pool.OutW + pool.OutW - 1;
                if (g.PadTop == 0 && g.PadLeft == 0 && 2 * ph1 + 2 <= g.InH && 2 * pool.OutW + 2 <= g.InW)
                    Int8Winograd.ImagePooledCellsInFrame(g, pool, image, g.InW, w, output, scale, zeroPoint, y, corner, corner + 1);
                else
                    Int8Winograd.ImagePooledCells(g, pool, image, w, output, scale, zeroPoint, y, corner, corner + 1);
            }
            return;
        }
        if ((ph1 - ph0) % 2 == 1 && ph1 - ph0 > 1)
        {
            // An odd count of pool rows: the last one by F(2×2) (16 positions per pooled cell against
            // the 18 of a half-used F(4×4) tile), the same sums, so the same bytes; its 4×4 windows
            // read in place where they lie inside the image (no padding), else from F(2×2)'s frame.
            Run(g, pool, image, w, output, scale, zeroPoint, y, null, ph0, ph1 - 1);
            int cell0 = (ph1 - 1) * pool.OutW, cell1 = ph1 * pool.OutW;
            if (g.PadTop == 0 && g.PadLeft == 0 && 2 * ph1 + 2 <= g.InH && 2 * pool.OutW + 2 <= g.InW)
                Int8Winograd.ImagePooledCellsInFrame(g, pool, image, g.InW, w, output, scale, zeroPoint, y, cell0, cell1);
            else
                Int8Winograd.ImagePooledCells(g, pool, image, w, output, scale, zeroPoint, y, cell0, cell1);
            return;
        }
        Run(g, pool, image, w, output, scale, zeroPoint, y, null, ph0, ph1);
    }

    /// <summary>
    /// Whether the convolution without a pool runs here (<see cref="Image"/>): without VNNI (weights packed for
    /// 512-bit <c>vpmaddwd</c>), 3×3, stride 1, no dilation, <see cref="MinSmallInC"/> to <see cref="MaxInC"/> input
    /// channels, at least 16 output channels. The VNNI path keeps its direct kernels.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, Int8Weights w) =>
        Avx512BW.IsSupported && w.Path == Int8Path.MultiplyAdd512
        && g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1
        && g.InC >= MinSmallInC && g.InC <= MaxInC && g.OutC >= Int8Weights.TileN && g.OutH > 0 && g.OutW > 0;

    /// <summary>
    /// The fewest input channels for F(4×4) without VNNI below <see cref="Int8Winograd.MinInC"/>: the residual CNN's
    /// 16 → 16 and 16 → 32 layers (Zen 4, one thread: see docs/benchmarks.md, int8conv).
    /// </summary>
    public const int MinSmallInC = 16;

    /// <summary>
    /// One image (<paramref name="image"/>, InH·InW·InC bytes) without a pool (<see cref="Applies"/>): its
    /// OutH·OutW output pixels written at pixel <paramref name="firstPixel"/> of <paramref name="y"/>, a block of tile rows at a time.
    /// </summary>
    public static void Image(in Conv2DGeometry g, byte* image, Int8Weights w, Int8Output output, Int8Destination y, long firstPixel)
    {
        if (g.InC > MaxInC) throw new ArgumentException($"Int8 Winograd F(4×4, 3×3): {g.InC} input channels; at most {MaxInC} keep the sums exact.");
        var uw = Int8Winograd4Weights.Of(w, g.InC);
        int n = w.N, tilesW = (g.OutW + 3) / 4, tilesH = (g.OutH + 3) / 4, accW = 4 * tilesW;
        int block = (int)Math.Max(1, ProductBudget / ((long)Int8Winograd4Weights.Positions * tilesW * uw.Tiles * Int8Weights.TileN));
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, 4L * block * accW * n);
        fixed (short* u = uw.U)
        {
            for (int tr0 = 0; tr0 < tilesH; tr0 += block)
            {
                int tr1 = Math.Min(tilesH, tr0 + block);
                var m = Products(g, image, (byte)output.InputZeroPoint, uw, u, 0, tr0, tr1, tilesW);
                int i = 0;
                for (int tr = tr0; tr < tr1; tr++)
                {
                    int rows = Math.Min(4, g.OutH - 4 * tr);
                    for (int tc = 0; tc < tilesW; tc++, i++)
                    {
                        int* tile = m.Tile(i);
                        int* top = acc + ((long)(4 * (tr - tr0)) * accW + 4 * tc) * n;
                        int cols = Math.Min(4, g.OutW - 4 * tc);
                        for (int k = 0; k < uw.Tiles; k++)
                        {
                            int c = k * Int8Weights.TileN;
                            Int8Winograd4Kernels.Output(tile + c, m.PositionStride, top + c, (long)accW * n, n, rows, cols, Math.Min(Int8Weights.TileN, n - c));
                        }
                    }
                }
                int oh0 = 4 * tr0, oh1 = Math.Min(g.OutH, 4 * tr1);
                if (accW == g.OutW)
                    y.Finish(acc, (oh1 - oh0) * g.OutW, w, output, firstPixel + (long)oh0 * g.OutW);
                else
                    for (int oh = oh0; oh < oh1; oh++)
                        y.Finish(acc + (long)(oh - oh0) * accW * n, g.OutW, w, output, firstPixel + (long)oh * g.OutW);
            }
        }
    }

    /// <summary>
    /// The same, but the pooled int32 sums Σ d · g (the direct kernels' sums before the epilogue, the
    /// zero point's share still in them) written at <paramref name="sums"/> (the image's pooled cells × Cout): for the checks.
    /// </summary>
    internal static void ImagePooledSums(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, int* sums, int ph0, int ph1) =>
        Run(g, pool, image, w, output, 1f, 0, null, sums, ph0, ph1);

    private static void Run(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int* sums, int ph0, int ph1)
    {
        if (ph0 >= ph1) return;
        if (g.InC > MaxInC) throw new ArgumentException($"Int8 Winograd F(4×4, 3×3): {g.InC} input channels; at most {MaxInC} keep the sums exact.");
        var uw = Int8Winograd4Weights.Of(w, g.InC);
        // Without VNNI an odd last pool column comes from tall tiles F(4×2); with VNNI from half-used F(4×4) tiles.
        bool tall = Int8WinogradMixed.Applies(w) && pool.OutW % 2 == 1;
        int n = w.N, poolW = pool.OutW, tilesW = tall ? poolW / 2 : (poolW + 1) / 2, tileRows = (ph1 - ph0 + 1) / 2;
        int block = (int)Math.Max(1, ProductBudget / ((long)Int8Winograd4Weights.Positions * Math.Max(1, tilesW) * uw.Tiles * Int8Weights.TileN));
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, 2L * block * poolW * n);
        fixed (short* u = uw.U)
        fixed (int* columnSums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            for (int tr0 = 0; tr0 < tileRows; tr0 += block)
            {
                int tr1 = Math.Min(tileRows, tr0 + block);
                int pr0 = ph0 + 2 * tr0, pr1 = Math.Min(ph1, ph0 + 2 * tr1);
                int i = 0;
                var m = tilesW > 0 ? Products(g, image, (byte)output.InputZeroPoint, uw, u, ph0, tr0, tr1, tilesW) : default;
                for (int tr = tr0; tr < tr1 && tilesW > 0; tr++)
                {
                    bool bottom = ph0 + 2 * tr + 1 < ph1;
                    for (int tc = 0; tc < tilesW; tc++, i++)
                    {
                        int* tile = m.Tile(i);
                        int* top = pooled + ((long)(2 * (tr - tr0)) * poolW + 2 * tc) * n;
                        bool right = 2 * tc + 1 < poolW;
                        for (int k = 0; k < uw.Tiles; k++)
                        {
                            Int8Winograd4Kernels.OutputPooled(tile + k * Int8Weights.TileN, m.PositionStride, right, bottom, out var p00, out var p01, out var p10, out var p11);
                            int c = k * Int8Weights.TileN, count = Math.Min(Int8Weights.TileN, n - c);
                            Int8LaneStore.FirstLanes(p00, top + c, count);
                            if (right) Int8LaneStore.FirstLanes(p01, top + n + c, count);
                            if (bottom)
                            {
                                Int8LaneStore.FirstLanes(p10, top + (long)poolW * n + c, count);
                                if (right) Int8LaneStore.FirstLanes(p11, top + ((long)poolW + 1) * n + c, count);
                            }
                        }
                    }
                }
                if (tall) Int8WinogradMixed.Tall(g, pool, image, (byte)output.InputZeroPoint, w, pr0, pr1, poolW - 1, pooled);
                if (sums != null)
                    Buffer.MemoryCopy(pooled, sums + (long)pr0 * poolW * n, 4L * (pr1 - pr0) * poolW * n, 4L * (pr1 - pr0) * poolW * n);
                else
                    Int8Epilogue.ToBytes(pooled, (pr1 - pr0) * poolW, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, y + (long)pr0 * poolW * n);
            }
        }
    }


    /// <summary>
    /// Tile rows <paramref name="tr0"/>..<paramref name="tr1"/>−1 (<paramref name="tilesW"/> tiles each; tile row tr's
    /// outputs start at row 2 · (<paramref name="ph0"/> + 2 · tr)): input transform, then the 36 GEMMs.
    /// </summary>
    private static Int8WinogradProducts.Block Products(in Conv2DGeometry g, byte* image, byte zeroPoint, Int8Winograd4Weights uw, short* u, int ph0, int tr0, int tr1, int tilesW)
    {
        int c = g.InC, tiles = (tr1 - tr0) * tilesW;
        int rows = Int8WinogradProducts.TilesPerCall(tiles);
        int padded = Math.Max(tiles, rows);
        int pairs = uw.Pairs, vStride = Int8Winograd4Kernels.InputShorts(c) / 2; // ints (channel pairs) per tile, channels rounded up to 16 or 32
        long vPosition = (long)padded * vStride;
        const int positions = Int8Winograd4Weights.Positions;
        int* v = Int8Scratch.Ints(Int8Scratch.WinogradInput, positions * vPosition);
        byte* window = null;
        int i = 0;
        for (int tr = tr0; tr < tr1; tr++)
            for (int tc = 0; tc < tilesW; tc++, i++)
            {
                int top = 2 * (ph0 + 2 * tr) - g.PadTop, left = 4 * tc - g.PadLeft;
                short* vt = (short*)(v + (long)i * vStride);
                if (top >= 0 && left >= 0 && top + 6 <= g.InH && left + 6 <= g.InW)
                {
                    Int8Winograd4Kernels.Input(image + ((long)top * g.InW + left) * c, g.InW * c, c, vt, 2 * vPosition);
                    continue;
                }
                // A window across the image's edge: its bytes, the zero point outside, copied to a 6×6 block.
                if (window == null) window = Int8Scratch.Bytes(Int8Scratch.PaddedImage, 36L * c + 4);
                Window(g, image, zeroPoint, top, left, window);
                Int8Winograd4Kernels.Input(window, 6 * c, c, vt, 2 * vPosition);
            }
        Int8WinogradProducts.ClearPadding(v, i, padded, positions, vPosition, vStride); // fewer tiles than one call sums: the rest zeros
        return Int8WinogradProducts.Multiply(positions, v, vPosition, vStride, pairs, u, uw.Tiles, padded, rows);
    }

    /// <summary>The 6×6 window at image row <paramref name="top"/>, column <paramref name="left"/> (either may lie outside), the zero point outside the image, at <paramref name="window"/> (6·6·Cin bytes).</summary>
    private static void Window(in Conv2DGeometry g, byte* image, byte zeroPoint, int top, int left, byte* window)
    {
        int c = g.InC;
        new Span<byte>(window, 36 * c).Fill(zeroPoint);
        int j0 = Math.Max(0, -left), j1 = Math.Min(6, g.InW - left);
        if (j0 >= j1) return;
        for (int i = Math.Max(0, -top); i < Math.Min(6, g.InH - top); i++)
            Buffer.MemoryCopy(image + ((long)(top + i) * g.InW + left + j0) * c, window + (i * 6 + j0) * c, (j1 - j0) * c, (j1 - j0) * c);
    }
}
