namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A batch's convolution + 2×2 pool by <see cref="Int8Winograd4"/>'s F(4×4, 3×3) with
/// <see cref="Int8WinogradMixed"/>'s edge tiles (no VNNI), <see cref="Images"/> images per work item:
/// the tiles of each kind (F(4×4), tall F(4×2), wide F(2×4), the F(2×2) corner) of all the group's images
/// go through shared product calls, so that each position's weights, streamed from L2, meet several
/// images' tiles (an image alone gives the convnet's edge kinds 2 tiles a call, bound by that stream:
/// int8c2's finding). The sums are the direct kernels' bit for bit, so the bytes are
/// <see cref="Int8ConvPool"/>'s on every path; naive twin: <c>Reference.NaiveInt8.Conv2D</c> then the pool.
/// </summary>
internal static unsafe class Int8Winograd4Group
{
    /// <summary>
    /// Images per work item: the convnet's 4 F(4×4) tiles an image make 16 (six-tile calls), its 2 tall and 2 wide
    /// make 8 each (Zen 4, one thread: see docs/benchmarks.md, int8conv).
    /// </summary>
    public const int Images = 4;

    private enum Kind
    {
        Full,
        Tall,
        Wide,
        Corner,
    }

    /// <summary>
    /// The most int32 products a group keeps (its images' F(4×4) tiles × 36 positions × output channels rounded up to
    /// 16): 640 KB. The group is not cut into blocks of tile rows, so larger images go one at a time
    /// (<see cref="Int8Winograd4"/> blocks them); the convnet's group keeps 36,864, the residual CNN's 16 → 32 layer 41,472.
    /// </summary>
    public const long ProductBudget = 160_000;

    /// <summary>
    /// Whether a batch runs here: the pooled F(4×4) kernel applies to one image and takes the mixed edges (no VNNI),
    /// and a group's products fit <see cref="ProductBudget"/>.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, in Pool2DGeometry pool, Int8Weights w) =>
        Int8WinogradMixed.Applies(w) && Int8Winograd4.AppliesPooled(g with { Batch = 1 }, pool with { Batch = 1 }, w)
        && (long)Images * Math.Max(1, pool.OutH / 2 * (pool.OutW / 2)) * Int8Winograd4Weights.Positions * ((w.N + Int8Weights.TileN - 1) / Int8Weights.TileN * Int8Weights.TileN)
            <= ProductBudget;

    /// <summary>
    /// y = maxpool(conv(q)) in bytes for the whole batch (<see cref="Applies"/>), groups of <see cref="Images"/>
    /// images as work items: run now over the pool, or added to <paramref name="team"/> as one stage.
    /// </summary>
    public static void Forward(in Conv2DGeometry conv, in Pool2DGeometry pool, byte* q, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y, Int8Team? team)
    {
        int groups = (conv.Batch + Images - 1) / Images;
        var body = new Groups(conv with { Batch = 1 }, pool with { Batch = 1 }, q, w, output, scale, zeroPoint, y, conv.Batch);
        if (team is not null) team.Add(groups, body);
        else WorkerPool.Shared.For(groups, body, (long)conv.OutputLength * w.K / 4);
    }

    private sealed class Groups(Conv2DGeometry one, Pool2DGeometry onePool, byte* q, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y, int batch)
        : IParallelBody
    {
        public void Execute(int group)
        {
            int b0 = group * Images, count = Math.Min(Images, batch - b0);
            Pooled(one, onePool, q + (long)b0 * one.InputLength, count, w, output, scale, zeroPoint, y + (long)b0 * onePool.OutputLength);
        }
    }

    /// <summary>
    /// <paramref name="count"/> consecutive images (one image's geometry <paramref name="g"/>, <paramref name="pool"/>) convolved
    /// and pooled, their bytes on (<paramref name="scale"/>, <paramref name="zeroPoint"/>) at <paramref name="y"/>.
    /// </summary>
    public static void Pooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* images, int count, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y)
    {
        if (count <= 0 || pool.OutputLength == 0) return;
        if (g.InC > Int8Winograd4.MaxInC) throw new ArgumentException($"Int8 Winograd F(4×4, 3×3): {g.InC} input channels; at most {Int8Winograd4.MaxInC} keep the sums exact.");
        int n = w.N, poolH = pool.OutH, poolW = pool.OutW, rows = poolH / 2, cols = poolW / 2;
        long cells = (long)poolH * poolW;
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, count * cells * n);
        var group = new Group(g, images, (byte)output.InputZeroPoint, rows, cols, poolH, poolW);
        if (rows * cols > 0)
        {
            var uw = Int8Winograd4Weights.Of(w, g.InC);
            fixed (short* u = uw.U)
            {
                var m = Products(group, Kind.Full, count * rows * cols, uw.Pairs, u, uw.Tiles);
                for (int i = 0; i < count * rows * cols; i++)
                {
                    int img = i / (rows * cols), r = i % (rows * cols), tr = r / cols, tc = r % cols;
                    int* top = pooled + (img * cells + 2L * tr * poolW + 2 * tc) * n;
                    for (int k = 0; k < uw.Tiles; k++)
                    {
                        Int8Winograd4Kernels.OutputPooled(m.Tile(i) + k * Int8Weights.TileN, m.PositionStride, true, true, out var p00, out var p01, out var p10, out var p11);
                        int c = k * Int8Weights.TileN, lanes = Math.Min(Int8Weights.TileN, n - c);
                        Int8LaneStore.FirstLanes(p00, top + c, lanes);
                        Int8LaneStore.FirstLanes(p01, top + n + c, lanes);
                        Int8LaneStore.FirstLanes(p10, top + (long)poolW * n + c, lanes);
                        Int8LaneStore.FirstLanes(p11, top + ((long)poolW + 1) * n + c, lanes);
                    }
                }
            }
        }
        var mw = poolW % 2 == 1 && rows > 0 || poolH % 2 == 1 && cols > 0 ? Int8WinogradMixedWeights.Of(w, g.InC) : null;
        if (poolW % 2 == 1 && rows > 0)
            fixed (short* u = mw!.Tall)
            {
                var m = Products(group, Kind.Tall, count * rows, mw.Pairs, u, mw.Tiles);
                for (int i = 0; i < count * rows; i++)
                {
                    int img = i / rows, tr = i % rows;
                    int* top = pooled + (img * cells + 2L * tr * poolW + poolW - 1) * n;
                    for (int k = 0; k < mw.Tiles; k++)
                    {
                        Int8WinogradMixedKernels.PooledTall(m.Tile(i) + k * Int8Weights.TileN, m.PositionStride, out var p0, out var p1);
                        int c = k * Int8Weights.TileN, lanes = Math.Min(Int8Weights.TileN, n - c);
                        Int8LaneStore.FirstLanes(p0, top + c, lanes);
                        Int8LaneStore.FirstLanes(p1, top + (long)poolW * n + c, lanes);
                    }
                }
            }
        if (poolH % 2 == 1 && cols > 0)
            fixed (short* u = mw!.Wide)
            {
                var m = Products(group, Kind.Wide, count * cols, mw.Pairs, u, mw.Tiles);
                for (int i = 0; i < count * cols; i++)
                {
                    int img = i / cols, tc = i % cols;
                    int* left = pooled + (img * cells + (long)(poolH - 1) * poolW + 2 * tc) * n;
                    for (int k = 0; k < mw.Tiles; k++)
                    {
                        Int8WinogradMixedKernels.PooledWide(m.Tile(i) + k * Int8Weights.TileN, m.PositionStride, out var p0, out var p1);
                        int c = k * Int8Weights.TileN, lanes = Math.Min(Int8Weights.TileN, n - c);
                        Int8LaneStore.FirstLanes(p0, left + c, lanes);
                        Int8LaneStore.FirstLanes(p1, left + n + c, lanes);
                    }
                }
            }
        if (poolH % 2 == 1 && poolW % 2 == 1)
        {
            var uw = w.WinogradF23(g.InC);
            fixed (short* u = uw.U)
            {
                var m = Products(group, Kind.Corner, count, uw.Pairs, u, uw.Tiles);
                for (int i = 0; i < count; i++)
                {
                    int* corner = pooled + (i * cells + cells - 1) * n;
                    for (int k = 0; k < uw.Tiles; k++)
                    {
                        Int8WinogradKernels.Output(m.Tile(i) + k * Int8Weights.TileN, m.PositionStride, out var y00, out var y01, out var y10, out var y11);
                        int c = k * Int8Weights.TileN;
                        Int8LaneStore.FirstLanes(System.Runtime.Intrinsics.Vector512.Max(System.Runtime.Intrinsics.Vector512.Max(y00, y01), System.Runtime.Intrinsics.Vector512.Max(y10, y11)),
                            corner + c, Math.Min(Int8Weights.TileN, n - c));
                    }
                }
            }
        }
        fixed (int* columnSums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
            Int8Epilogue.ToBytes(pooled, (int)(count * cells), n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, y);
    }

    /// <summary>The group's images and the counts of its tiles, for finding each tile's window.</summary>
    private readonly struct Group(Conv2DGeometry g, byte* images, byte zeroPoint, int rows, int cols, int poolH, int poolW)
    {
        public Conv2DGeometry Geometry => g;
        public byte ZeroPoint => zeroPoint;

        /// <summary>Tile <paramref name="i"/> of <paramref name="kind"/>: its image's first byte and its window's top-left input pixel.</summary>
        public byte* Window(Kind kind, int i, out int top, out int left)
        {
            int img;
            switch (kind)
            {
                case Kind.Full:
                    img = i / (rows * cols);
                    (top, left) = (4 * (i % (rows * cols) / cols), 4 * (i % cols));
                    break;
                case Kind.Tall:
                    img = i / rows;
                    (top, left) = (4 * (i % rows), 2 * (poolW - 1));
                    break;
                case Kind.Wide:
                    img = i / cols;
                    (top, left) = (2 * (poolH - 1), 4 * (i % cols));
                    break;
                default:
                    img = i;
                    (top, left) = (2 * (poolH - 1), 2 * (poolW - 1));
                    break;
            }
            top -= g.PadTop;
            left -= g.PadLeft;
            return images + (long)img * g.InputLength;
        }
    }

    /// <summary>The input transform of the group's <paramref name="tiles"/> tiles of <paramref name="kind"/> (read in place inside the image, else copied with the zero point around), then the GEMMs.</summary>
    private static Int8WinogradProducts.Block Products(in Group group, Kind kind, int tiles, int pairs, short* u, int nt)
    {
        var g = group.Geometry;
        int c = g.InC;
        (int h, int wd, int positions) = kind switch
        {
            Kind.Full => (6, 6, Int8Winograd4Weights.Positions),
            Kind.Tall => (6, 4, Int8WinogradMixedWeights.Positions),
            Kind.Wide => (4, 6, Int8WinogradMixedWeights.Positions),
            _ => (4, 4, Int8WinogradWeights.Positions),
        };
        int rows = Int8WinogradProducts.TilesPerCall(tiles);
        int padded = Math.Max(tiles, rows);
        int vStride = kind == Kind.Full ? Int8Winograd4Kernels.InputShorts(c) / 2 : (pairs + 15) / 16 * 16; // ints per tile
        long vPosition = (long)padded * vStride;
        int* v = Int8Scratch.Ints(Int8Scratch.WinogradInput, positions * vPosition);
        byte* window = null;
        for (int i = 0; i < tiles; i++)
        {
            byte* image = group.Window(kind, i, out int top, out int left);
            short* vt = (short*)(v + (long)i * vStride);
            byte* src = image + ((long)top * g.InW + left) * c;
            int rowStride = g.InW * c;
            if (top < 0 || left < 0 || top + h > g.InH || left + wd > g.InW)
            {
                if (window == null) window = Int8Scratch.Bytes(Int8Scratch.PaddedImage, 36L * c + 4);
                Int8WinogradMixed.Window(g, image, group.ZeroPoint, top, left, h, wd, window);
                src = window;
                rowStride = wd * c;
            }
            switch (kind)
            {
                case Kind.Full: Int8Winograd4Kernels.Input(src, rowStride, c, vt, 2 * vPosition); break;
                case Kind.Tall: Int8WinogradMixedKernels.InputTall(src, rowStride, c, vt, 2 * vPosition); break;
                case Kind.Wide: Int8WinogradMixedKernels.InputWide(src, rowStride, c, vt, 2 * vPosition); break;
                default: Int8WinogradKernels.Input(src, rowStride, c, vt, 2 * vPosition); break;
            }
        }
        Int8WinogradProducts.ClearPadding(v, tiles, padded, positions, vPosition, vStride);
        return Int8WinogradProducts.Multiply(positions, v, vPosition, vStride, pairs, u, nt, padded, rows);
    }
}
