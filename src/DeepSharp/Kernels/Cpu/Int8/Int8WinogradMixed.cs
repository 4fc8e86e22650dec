namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The edges of <see cref="Int8Winograd4"/>'s pooled convolution without VNNI: where the pool has an odd
/// count of columns, its last column comes from tall tiles F(4×2, 3×3) (24 positions for two pool cells,
/// against a half-used F(4×4) tile's 36), and where it has an odd count of rows, its last row from wide
/// tiles F(2×4, 3×3) (24 positions for two cells, against F(2×2)'s 2 · 16). On the convnet's 5 × 5
/// pooled cells that is 4 · 36 + 2 · 24 + 2 · 24 + 16 = 256 positions per output channel instead of
/// 6 · 36 + 5 · 16 = 296. The sums are the direct kernels' bit for bit
/// (<see cref="Int8WinogradMixedKernels"/>); naive twin: <c>Reference.NaiveInt8.Conv2D</c>.
/// </summary>
internal static unsafe class Int8WinogradMixed
{
    /// <summary>Whether the pooled F(4×4) kernel takes its edges from the mixed tiles: without VNNI (the VNNI path keeps its tiles as they were measured on Zen 5).</summary>
    public static bool Applies(Int8Weights w) => w.Path == Int8Path.MultiplyAdd512;

    /// <summary>
    /// Tall tiles: pool column <paramref name="pc"/> over pool rows <paramref name="ph0"/>..<paramref name="ph1"/>−1 (two a tile;
    /// a last single row takes a tile's top cell), the pooled sums written at <paramref name="pooled"/> + ((ph − ph0) · pool.OutW + pc) · N.
    /// </summary>
    public static void Tall(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, byte zeroPoint, Int8Weights w, int ph0, int ph1, int pc, int* pooled)
    {
        var mw = Int8WinogradMixedWeights.Of(w, g.InC);
        int n = w.N, tiles = (ph1 - ph0 + 1) / 2;
        if (tiles <= 0) return;
        fixed (short* u = mw.Tall)
        {
            var m = Products(g, image, zeroPoint, true, mw, u, tiles, 2 * ph0 - g.PadTop, 4, 2 * pc - g.PadLeft, 0);
            for (int i = 0; i < tiles; i++)
            {
                bool bottom = ph0 + 2 * i + 1 < ph1;
                int* top = pooled + ((long)(2 * i) * pool.OutW + pc) * n;
                for (int k = 0; k < mw.Tiles; k++)
                {
                    Int8WinogradMixedKernels.PooledTall(m.Tile(i) + k * Int8Weights.TileN, m.PositionStride, out var p0, out var p1);
                    int c = k * Int8Weights.TileN, count = Math.Min(Int8Weights.TileN, n - c);
                    Int8LaneStore.FirstLanes(p0, top + c, count);
                    if (bottom) Int8LaneStore.FirstLanes(p1, top + (long)pool.OutW * n + c, count);
                }
            }
        }
    }

    /// <summary>
    /// Wide tiles: pool row <paramref name="ph"/>, pool columns 0..2·<paramref name="tiles"/>−1, the pooled sums
    /// written at <paramref name="pooled"/> + pc · N.
    /// </summary>
    public static void Wide(in Conv2DGeometry g, byte* image, byte zeroPoint, Int8Weights w, int ph, int tiles, int* pooled)
    {
        if (tiles <= 0) return;
        var mw = Int8WinogradMixedWeights.Of(w, g.InC);
        int n = w.N;
        fixed (short* u = mw.Wide)
        {
            var m = Products(g, image, zeroPoint, false, mw, u, tiles, 2 * ph - g.PadTop, 0, -g.PadLeft, 4);
            for (int i = 0; i < tiles; i++)
                for (int k = 0; k < mw.Tiles; k++)
                {
                    Int8WinogradMixedKernels.PooledWide(m.Tile(i) + k * Int8Weights.TileN, m.PositionStride, out var left, out var right);
                    int c = k * Int8Weights.TileN, count = Math.Min(Int8Weights.TileN, n - c);
                    Int8LaneStore.FirstLanes(left, pooled + (long)(2 * i) * n + c, count);
                    Int8LaneStore.FirstLanes(right, pooled + (long)(2 * i + 1) * n + c, count);
                }
        }
    }

    /// <summary>
    /// The input transform of <paramref name="tiles"/> tall or wide windows (tile i's top-left input pixel at row
    /// <paramref name="top0"/> + i · <paramref name="topStep"/>, column <paramref name="left0"/> + i · <paramref name="leftStep"/>;
    /// read in place inside the image, else copied with the zero point around), then the 24 GEMMs.
    /// </summary>
    private static Int8WinogradProducts.Block Products(in Conv2DGeometry g, byte* image, byte zeroPoint, bool tall, Int8WinogradMixedWeights mw, short* u, int tiles,
        int top0, int topStep, int left0, int leftStep)
    {
        int c = g.InC, h = tall ? 6 : 4, wd = tall ? 4 : 6;
        int rows = Int8WinogradProducts.TilesPerCall(tiles);
        int padded = Math.Max(tiles, rows);
        int vStride = (mw.Pairs + 15) / 16 * 16; // ints (channel pairs) per tile, channels rounded up to 32
        long vPosition = (long)padded * vStride;
        const int positions = Int8WinogradMixedWeights.Positions;
        int* v = Int8Scratch.Ints(Int8Scratch.WinogradInput, positions * vPosition);
        byte* window = null;
        for (int i = 0; i < tiles; i++)
        {
            int top = top0 + i * topStep, left = left0 + i * leftStep;
            short* vt = (short*)(v + (long)i * vStride);
            byte* src = image + ((long)top * g.InW + left) * c;
            int rowStride = g.InW * c;
            if (top < 0 || left < 0 || top + h > g.InH || left + wd > g.InW)
            {
                // A window across the image's edge: its bytes, the zero point outside, copied to a block.
                if (window == null) window = Int8Scratch.Bytes(Int8Scratch.PaddedImage, 24L * c + 4);
                Window(g, image, zeroPoint, top, left, h, wd, window);
                src = window;
                rowStride = wd * c;
            }
            if (tall) Int8WinogradMixedKernels.InputTall(src, rowStride, c, vt, 2 * vPosition);
            else Int8WinogradMixedKernels.InputWide(src, rowStride, c, vt, 2 * vPosition);
        }
        Int8WinogradProducts.ClearPadding(v, tiles, padded, positions, vPosition, vStride);
        return Int8WinogradProducts.Multiply(positions, v, vPosition, vStride, mw.Pairs, u, mw.Tiles, padded, rows);
    }

    /// <summary>The <paramref name="h"/> × <paramref name="wd"/> window at (<paramref name="top"/>, <paramref name="left"/>), the zero point outside the image.</summary>
    internal static void Window(in Conv2DGeometry g, byte* image, byte zeroPoint, int top, int left, int h, int wd, byte* window)
    {
        int c = g.InC;
        new Span<byte>(window, h * wd * c).Fill(zeroPoint);
        int j0 = Math.Max(0, -left), j1 = Math.Min(wd, g.InW - left);
        if (j0 >= j1) return;
        for (int i = Math.Max(0, -top); i < Math.Min(h, g.InH - top); i++)
            Buffer.MemoryCopy(image + ((long)(top + i) * g.InW + left + j0) * c, window + (i * wd + j0) * c, (j1 - j0) * c, (j1 - j0) * c);
    }
}
