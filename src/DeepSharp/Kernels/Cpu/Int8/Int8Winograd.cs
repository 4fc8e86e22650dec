using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Int8 3×3, stride-1 convolution by an exact integer Winograd F(2×2, 3×3), AVX-512BW: each 2×2
/// block of output pixels (a tile) comes from its 4×4 input window d (u8, the padding the zero
/// point) as Y = Aᵀ [Σ_c U_c ⊙ V_c] A / 4, with V = Bᵀ d B and U = G′ g G′ᵀ (G′ = 2G, integer,
/// <see cref="Int8WinogradWeights"/>). The 16 element-wise products summed over the input channels
/// are 16 small GEMMs on int16 operands, two channels per <c>vpmaddwd</c> lane: 16 · Cin
/// multiply-adds per tile and output channel instead of the direct 4 · 9 · Cin (2.25× fewer).
/// The sums are those of the direct kernels bit for bit, so the requantizing epilogue and the pool
/// are shared with <see cref="Int8ImplicitConv"/>; naive twin: <c>Reference.NaiveInt8.Conv2D</c>.
/// </summary>
/// <remarks>
/// <para>Exactness. Everything is integer: B, A and G′ have integer entries, and with G′ = 2G the
/// identity Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A of F(2×2, 3×3) becomes Aᵀ[(G′ g G′ᵀ) ⊙ (Bᵀ d B)]A = 4Y.
/// The operands fit int16: 0 ≤ d ≤ 255 and each entry of V sums at most four d with signs, so
/// |V| ≤ 1020; each entry of U sums at most nine weights (|g| ≤ 128), so |U| ≤ 1152. A
/// <c>vpmaddwd</c> lane adds two products, |·| ≤ 2 · 1020 · 1152 &lt; 2³¹ (it saturates only for
/// two products of −32768 · −32768). The channel sums and the output transform are additions,
/// subtractions and one arithmetic shift in int32: additions wrap modulo 2³², which is a ring, so
/// whatever the intermediate values the result is 4Y mod 2³². The true 4Y has |4Y| ≤ 4 · 9 · Cin ·
/// 255 · 128 &lt; 2³¹ for Cin ≤ <see cref="MaxInC"/>, so the int32 result is 4Y itself, and the
/// arithmetic shift by 2 gives Y, the direct kernel's sum Σ d · g (the zero point's share is taken
/// off in the epilogue, as for the direct sums). Input channels are paired with a zero weight when
/// Cin is odd, output channels padded to 16 with zero weights; both count for nothing.</para>
/// <para>Work: per image, the frame (the input padded with the zero point, one more row and column
/// when the output's height or width is odd), the input transform of every tile, then per block of
/// tile rows the 16 GEMMs (4–6 tiles × 64 channels of int32 sums in registers, the pair's weights
/// loaded once for all of them) and the output transform. A 2×2 pool of stride 2 takes the max of
/// each tile's four sums in registers (its windows are the tiles), so only the pooled sums meet the epilogue.</para>
/// </remarks>
internal static unsafe class Int8Winograd
{
    /// <summary>
    /// The fewest input channels for which the transforms pay (fewer take the direct kernels). One
    /// thread, 13×13 input, 2×2 pool (bench q's second convolution and its neighbours, shared
    /// machine): 32 → 64 channels 1.40× the direct VNNI kernel's speed, 33 → 64 1.20×, 48 → 64 1.10×,
    /// 64 → 64 1.54×, 32 → 64 on 28×28 1.14×; 32 → 32 even (the 16-channel product kernel loads a
    /// vector per multiply); 8 and 16 → 32 3× slower (channels short of 32 go through a byte-copied block).
    /// </summary>
    public const int MinInC = 32;

    /// <summary>The fewest output channels for which the transforms pay (see <see cref="MinInC"/>).</summary>
    public const int MinOutC = 64;

    /// <summary>The most input channels whose sums 4Y fit an int32: 36 · 255 · 128 · Cin &lt; 2³¹.</summary>
    public const int MaxInC = 1827;

    /// <summary>
    /// The int32 products one block of tile rows keeps (16 positions × tiles × channels): 48 KB, about
    /// the L1 data cache, so the output transform reads them from there (the convnet's 5 × 5 tiles
    /// of 64 channels go as 2 + 2 + 1 rows; measured 3 % faster than all 5 rows at once, 3 % slower at one row per block).
    /// </summary>
    private const long ProductBudget = 12_000;

    /// <summary>
    /// Whether the convolution runs here: 3×3, stride 1, no dilation, <see cref="MinInC"/> to
    /// <see cref="MaxInC"/> input channels, at least <see cref="MinOutC"/> output channels, AVX-512BW, and weights packed for a fast path (VNNI or
    /// 512-bit <c>vpmaddwd</c>: the paths <see cref="Int8Paths.Best"/> gives where AVX-512BW is).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, Int8Weights w) =>
        Avx512BW.IsSupported && w.Path is Int8Path.Vnni256 or Int8Path.MultiplyAdd512
        && g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1
        && g.InC >= MinInC && g.InC <= MaxInC && g.OutC >= MinOutC && g.OutH > 0 && g.OutW > 0;

    /// <summary>Whether a pool after the convolution is the 2×2, stride-2 one whose windows are the tiles.</summary>
    public static bool PoolsTiles(in Pool2DGeometry pool) =>
        pool.PoolH == 2 && pool.PoolW == 2 && pool.StrideH == 2 && pool.StrideW == 2 && pool.PadTop == 0 && pool.PadLeft == 0
        && 2 * pool.OutH <= pool.InH && 2 * pool.OutW <= pool.InW;

    /// <summary>
    /// One image (<paramref name="image"/>, InH·InW·InC bytes): its OutH·OutW output pixels written
    /// at pixel <paramref name="firstPixel"/> of <paramref name="y"/>, a block of tile rows at a time.
    /// </summary>
    public static void Image(in Conv2DGeometry g, byte* image, Int8Weights w, Int8Output output, Int8Destination y, long firstPixel)
    {
        var frame = Prepare(g, image, output);
        var uw = w.WinogradF23(g.InC);
        int n = w.N, tilesH = (g.OutH + 1) / 2, tilesW = (g.OutW + 1) / 2;
        int block = BlockRows(tilesW, uw);
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, 2L * block * g.OutW * n);
        fixed (short* u = uw.U)
        {
            for (int th0 = 0; th0 < tilesH; th0 += block)
            {
                int th1 = Math.Min(tilesH, th0 + block);
                var m = Products(g, frame, uw, u, th0 * tilesW, th1 * tilesW, tilesW);
                int rows = Math.Min(g.OutH, 2 * th1) - 2 * th0;
                for (int th = th0; th < th1; th++)
                    for (int tw = 0; tw < tilesW; tw++)
                    {
                        int* tile = m.Tile((th - th0) * tilesW + tw);
                        int* top = acc + ((long)(2 * (th - th0)) * g.OutW + 2 * tw) * n;
                        bool right = 2 * tw + 1 < g.OutW, bottom = 2 * th + 1 < g.OutH;
                        for (int t = 0; t < uw.Tiles; t++)
                        {
                            Int8WinogradKernels.Output(tile + t * Int8Weights.TileN, m.PositionStride, out var y00, out var y01, out var y10, out var y11);
                            int c = t * Int8Weights.TileN, count = Math.Min(Int8Weights.TileN, n - c);
                            Int8LaneStore.FirstLanes(y00, top + c, count);
                            if (right) Int8LaneStore.FirstLanes(y01, top + n + c, count);
                            if (bottom)
                            {
                                Int8LaneStore.FirstLanes(y10, top + (long)g.OutW * n + c, count);
                                if (right) Int8LaneStore.FirstLanes(y11, top + ((long)g.OutW + 1) * n + c, count);
                            }
                        }
                    }
                y.Finish(acc, rows * g.OutW, w, output, firstPixel + 2L * th0 * g.OutW);
            }
        }
    }

    /// <summary>
    /// One image followed by a 2×2, stride-2 max pool (<see cref="PoolsTiles"/>), pool rows
    /// <paramref name="ph0"/>..<paramref name="ph1"/>−1 written as bytes on (<paramref name="scale"/>,
    /// <paramref name="zeroPoint"/>) at <paramref name="y"/> (the image's pooled bytes): each tile's
    /// four sums meet in registers and only their max goes through the epilogue, which is monotonic
    /// in the sum (<see cref="Int8ImplicitConv.ImagePooled"/>), so the bytes are those of the pool of the requantized pixels.
    /// </summary>
    public static void ImagePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int ph0, int ph1) =>
        ImagePooledCells(g, pool, image, w, output, scale, zeroPoint, y, ph0 * pool.OutW, ph1 * pool.OutW);

    /// <summary>
    /// <see cref="ImagePooled"/> over pool cells (tiles) <paramref name="cell0"/>..<paramref name="cell1"/>−1 in row-major
    /// order (cell = pool row · pool.OutW + pool column), so that threads can share an image in even parts.
    /// </summary>
    public static void ImagePooledCells(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int cell0, int cell1)
    {
        if (cell0 >= cell1) return;
        PooledCells(g, pool, Prepare(g, image, output), w, output, scale, zeroPoint, y, cell0, cell1);
    }

    /// <summary>
    /// <see cref="ImagePooledCells"/> on bytes whose every tile window the cells read is there: an image already
    /// in a frame (<paramref name="frame"/>, <paramref name="frameWidth"/> pixels a row) padded with the zero point,
    /// or the image itself where it has no padding and the windows lie inside it (<see cref="Int8Winograd4"/>'s
    /// odd last pool row: rows up to 2·ph1 + 1 and columns up to 2·pool.OutW + 1).
    /// </summary>
    internal static void ImagePooledCellsInFrame(in Conv2DGeometry g, in Pool2DGeometry pool, byte* frame, int frameWidth, Int8Weights w, Int8Output output, float scale, int zeroPoint,
        byte* y, int cell0, int cell1)
    {
        if (cell0 >= cell1) return;
        PooledCells(g, pool, new Framed(frame, frameWidth), w, output, scale, zeroPoint, y, cell0, cell1);
    }

    private static void PooledCells(in Conv2DGeometry g, in Pool2DGeometry pool, Framed frame, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int cell0, int cell1)
    {
        var uw = w.WinogradF23(g.InC);
        int n = w.N, tilesW = pool.OutW;
        int block = BlockRows(tilesW, uw) * tilesW;
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, (long)block * n);
        fixed (short* u = uw.U)
        fixed (int* columnSums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            for (int c0 = cell0; c0 < cell1; c0 += block)
            {
                int c1 = Math.Min(cell1, c0 + block), tiles = c1 - c0;
                var m = Products(g, frame, uw, u, c0, c1, tilesW);
                for (int i = 0; i < tiles; i++)
                {
                    int* tile = m.Tile(i);
                    for (int t = 0; t < uw.Tiles; t++)
                    {
                        Int8WinogradKernels.Output(tile + t * Int8Weights.TileN, m.PositionStride, out var y00, out var y01, out var y10, out var y11);
                        int c = t * Int8Weights.TileN;
                        Int8LaneStore.FirstLanes(Vector512.Max(Vector512.Max(y00, y01), Vector512.Max(y10, y11)), pooled + (long)i * n + c, Math.Min(Int8Weights.TileN, n - c));
                    }
                }
                Int8Epilogue.ToBytes(pooled, tiles, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, y + (long)c0 * n);
            }
        }
    }

    /// <summary>Tile rows per block: as many as keep the products within <see cref="ProductBudget"/>, at least one.</summary>
    private static int BlockRows(int tilesW, Int8WinogradWeights uw) =>
        (int)Math.Max(1, ProductBudget / ((long)Int8WinogradWeights.Positions * tilesW * uw.Tiles * Int8Weights.TileN));


    /// <summary>An image's padded frame: its first byte and its width in pixels.</summary>
    private readonly struct Framed(byte* frame, int width)
    {
        public byte* Frame => frame;
        public int Width => width;
    }

    /// <summary>
    /// The image in a frame padded with the zero point, large enough for every tile's 4×4 window:
    /// 2·⌈OutH/2⌉ + 2 rows and 2·⌈OutW/2⌉ + 2 columns at least.
    /// </summary>
    private static Framed Prepare(in Conv2DGeometry g, byte* image, Int8Output output)
    {
        int frameH = Math.Max(g.InH + g.PadTop, 2 * ((g.OutH + 1) / 2) + 2);
        int frameW = Math.Max(g.InW + g.PadLeft, 2 * ((g.OutW + 1) / 2) + 2);
        byte* frame = Int8Scratch.Bytes(Int8Scratch.PaddedImage, (long)frameH * frameW * g.InC + 4);
        Int8ImplicitConv.Frame(g, image, (byte)output.InputZeroPoint, frame, frameW, frameH);
        return new Framed(frame, frameW);
    }

    /// <summary>Tiles <paramref name="tile0"/>..<paramref name="tile1"/>−1 in row-major order (<paramref name="tilesW"/> a row): input transform, then the 16 GEMMs.</summary>
    private static Int8WinogradProducts.Block Products(in Conv2DGeometry g, Framed frame, Int8WinogradWeights uw, short* u, int tile0, int tile1, int tilesW)
    {
        int c = g.InC, tiles = tile1 - tile0;
        int rows = Int8WinogradProducts.TilesPerCall(tiles);
        int padded = Math.Max(tiles, rows);
        int pairs = uw.Pairs, vStride = (pairs + 15) / 16 * 16; // ints (channel pairs) per tile, channels rounded up to 32
        long vPosition = (long)padded * vStride;
        int* v = Int8Scratch.Ints(Int8Scratch.WinogradInput, Int8WinogradWeights.Positions * vPosition);
        int rowStride = frame.Width * c;
        int i = 0;
        for (int th = tile0 / tilesW, tw = tile0 % tilesW; i < tiles; i++)
        {
            Int8WinogradKernels.Input(frame.Frame + (2L * th * frame.Width + 2 * tw) * c, rowStride, c, (short*)(v + (long)i * vStride), 2 * vPosition);
            if (++tw == tilesW)
            {
                tw = 0;
                th++;
            }
        }
        Int8WinogradProducts.ClearPadding(v, i, padded, Int8WinogradWeights.Positions, vPosition, vStride); // fewer tiles than one call sums: the rest zeros
        // The products tile by tile (a tile's 16 positions together, as the output transform reads them).
        return Int8WinogradProducts.Multiply(Int8WinogradWeights.Positions, v, vPosition, vStride, pairs, u, uw.Tiles, padded, rows);
    }
}
