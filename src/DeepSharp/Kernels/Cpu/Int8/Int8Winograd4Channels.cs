using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// One image's 3×3 convolution + 2×2 pool by the integer F(4×4, 3×3) of <see cref="Int8Winograd4"/>,
/// but for a range of 16-channel output tiles only: every tile of the image (an odd last pool row as
/// half-used tiles), each part its own output channels. A batch-1 image shared by threads this way
/// computes each product once and streams only its share of the transformed weights, where a cut by
/// tile rows (<see cref="Winograd4Share"/>) gives each part fewer tiles than one product call sums
/// (the convnet's 5 × 5 pooled cells on two threads: 3 tiles and 2–3 cells a part, each padded to 4,
/// so each part ran 70 % of the whole image's products).
/// </summary>
/// <remarks>
/// The sums are the exact direct sums Y (<see cref="Int8Winograd4"/>'s bounds; the tiles past the
/// output's edge read the zero point and are dropped), and each channel's bytes come from the same
/// epilogue, so any cut by channels gives the same bytes as the whole image. Each part transforms the
/// whole input itself (~5 % of the products' work) instead of waiting for a shared one. Naive twin:
/// <c>Reference.NaiveInt8.Conv2D</c> then <c>MaxPool</c>.
/// </remarks>
internal static unsafe class Int8Winograd4Channels
{
    /// <summary>The most tiles one product call sums for 4 or 1 channel tiles (<see cref="Int8WinogradKernels"/>'s register block).</summary>
    private const int MaxRows = 6;

    /// <summary>
    /// The most tiles one <see cref="Products2{TRows}"/> call sums: 6, as for 4 channel tiles (measured on Zen 4, one
    /// thread, the convnet's 9 tiles × 2 channel tiles: 6 rows 6.12 µs a part, 5 rows 6.12, 3 rows 6.29, 9–10 rows 6.3–7.5).
    /// </summary>
    private const int MaxPairRows = 6;

    /// <summary>
    /// Whether an image's F(4×4) conv + pool may be cut by channel tiles into <paramref name="parts"/>:
    /// <see cref="Int8Winograd4.AppliesPooled"/>, at least one 16-channel tile per part, and the
    /// <c>vpmaddwd</c> path (CPUs without AVX-VNNI; the VNNI path keeps its cut by tile rows).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, in Pool2DGeometry pool, Int8Weights w, int parts) =>
        parts > 1 && w.Path == Int8Path.MultiplyAdd512 && Int8Winograd4.AppliesPooled(g, pool, w) && w.Tiles >= parts;

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/>: its first and end 16-channel tiles of <paramref name="tiles"/>.</summary>
    public static (int Tile0, int Tile1) Share(int tiles, int part, int parts) =>
        ((int)((long)tiles * part / parts), (int)((long)tiles * (part + 1) / parts));

    /// <summary>
    /// One image (batch 1 geometries) followed by the 2×2, stride-2 max pool: output channels of tiles
    /// <paramref name="tile0"/>..<paramref name="tile1"/>−1 of every pooled cell, written as bytes on
    /// (<paramref name="scale"/>, <paramref name="zeroPoint"/>) at <paramref name="y"/> (the image's pooled bytes).
    /// </summary>
    public static void ImagePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int tile0, int tile1) =>
        Run(g, pool, image, w, output, scale, zeroPoint, y, null, tile0, tile1);

    /// <summary>The same, the pooled int32 sums (before the epilogue) written at <paramref name="sums"/> (cells × Cout, only these channels): for the checks.</summary>
    internal static void ImagePooledSums(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, int* sums, int tile0, int tile1) =>
        Run(g, pool, image, w, output, 1f, 0, null, sums, tile0, tile1);

    private static void Run(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int* sums, int tile0, int tile1)
    {
        if (g.InC > Int8Winograd4.MaxInC) throw new ArgumentException($"Int8 Winograd F(4×4, 3×3): {g.InC} input channels; at most {Int8Winograd4.MaxInC} keep the sums exact.");
        var uw = Int8Winograd4Weights.Of(w, g.InC);
        tile1 = Math.Min(tile1, uw.Tiles);
        if (tile0 >= tile1 || pool.OutH == 0 || pool.OutW == 0) return;
        int n = w.N, poolW = pool.OutW, poolH = pool.OutH, tilesW = (poolW + 1) / 2, tileRows = (poolH + 1) / 2, tiles = tileRows * tilesW;
        int c0 = tile0 * Int8Weights.TileN, c1 = Math.Min(n, tile1 * Int8Weights.TileN), width = (tile1 - tile0) * Int8Weights.TileN;
        const int positions = Int8Winograd4Weights.Positions;
        int vStride = (uw.Pairs + 15) / 16 * 16;
        long vPosition = (long)tiles * vStride;
        int* v = Int8Scratch.Ints(Int8Scratch.WinogradInput, positions * vPosition);
        Transform(g, image, (byte)output.InputZeroPoint, v, vPosition, vStride, tileRows, tilesW);
        int ldm = positions * width;
        int* m = Int8Scratch.Ints(Int8Scratch.WinogradProducts, (long)tiles * ldm);
        int* pooled = sums != null ? sums : Int8Scratch.Ints(Int8Scratch.PooledSums, (long)poolH * poolW * n);
        fixed (short* u = uw.U)
        {
            int uStride = uw.Tiles * Int8Weights.TileN * 2;
            for (int p = 0; p < positions; p++)
                Products(v + p * vPosition, vStride, uw.Pairs, u + (long)p * uw.Pairs * uStride + tile0 * 32, uStride, m + (long)p * width, ldm, tiles, tile1 - tile0);
        }
        int i = 0;
        for (int tr = 0; tr < tileRows; tr++)
        {
            bool bottom = 2 * tr + 1 < poolH;
            for (int tc = 0; tc < tilesW; tc++, i++)
            {
                int* tile = m + (long)i * ldm;
                int* top = pooled + ((long)(2 * tr) * poolW + 2 * tc) * n;
                bool right = 2 * tc + 1 < poolW;
                for (int k = 0; k < tile1 - tile0; k++)
                {
                    Int8Winograd4Kernels.OutputPooled(tile + k * Int8Weights.TileN, width, right, bottom, out var p00, out var p01, out var p10, out var p11);
                    int c = c0 + k * Int8Weights.TileN, count = Math.Min(Int8Weights.TileN, n - c);
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
        if (sums != null) return;
        fixed (int* columnSums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
            Int8Epilogue.ToBytesStrided(pooled + c0, poolH * poolW, c1 - c0, n, output.InputZeroPoint, columnSums + c0, scales + c0, bias == null ? null : bias + c0,
                output.Relu, scale, zeroPoint, y + c0);
    }

    /// <summary>V = Bᵀ d B of every tile (tile row tr, column tc: the 6×6 window at image row 4·tr, column 4·tc, less the padding), tile i at v + i · vStride.</summary>
    private static void Transform(in Conv2DGeometry g, byte* image, byte zeroPoint, int* v, long vPosition, int vStride, int tileRows, int tilesW)
    {
        int c = g.InC;
        byte* window = null;
        int i = 0;
        for (int tr = 0; tr < tileRows; tr++)
            for (int tc = 0; tc < tilesW; tc++, i++)
            {
                int top = 4 * tr - g.PadTop, left = 4 * tc - g.PadLeft;
                short* vt = (short*)(v + (long)i * vStride);
                if (top >= 0 && left >= 0 && top + 6 <= g.InH && left + 6 <= g.InW)
                {
                    Int8Winograd4Kernels.Input(image + ((long)top * g.InW + left) * c, g.InW * c, c, vt, 2 * vPosition);
                    continue;
                }
                // A window across the image's edge (the padding, or the half-used tiles of an odd last pool row): the zero point outside.
                if (window == null) window = Int8Scratch.Bytes(Int8Scratch.PaddedImage, 36L * c + 4);
                new Span<byte>(window, 36 * c).Fill(zeroPoint);
                int j0 = Math.Max(0, -left), j1 = Math.Min(6, g.InW - left);
                for (int r = Math.Max(0, -top); r < Math.Min(6, g.InH - top) && j0 < j1; r++)
                    Buffer.MemoryCopy(image + ((long)(top + r) * g.InW + left + j0) * c, window + (r * 6 + j0) * c, (j1 - j0) * c, (j1 - j0) * c);
                Int8Winograd4Kernels.Input(window, 6 * c, c, vt, 2 * vPosition);
            }
    }

    /// <summary>
    /// One position's products of <paramref name="tiles"/> transformed tiles with <paramref name="channelTiles"/>
    /// 16-channel weight tiles (from <paramref name="u"/>): 4 channel tiles at a time in calls of at most 6 tiles,
    /// then 2 in calls of at most <see cref="MaxPairRows"/>, then 1 in calls of at most 6; the calls as even as
    /// they go and no tile summed twice.
    /// </summary>
    private static void Products(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm, int tiles, int channelTiles)
    {
        int t = 0;
        for (; t + 4 <= channelTiles; t += 4) Calls(v, vStride, pairs, u + t * 32, uStride, m + t * Int8Weights.TileN, ldm, tiles, 4, MaxRows);
        for (; t + 2 <= channelTiles; t += 2) Calls(v, vStride, pairs, u + t * 32, uStride, m + t * Int8Weights.TileN, ldm, tiles, 2, MaxPairRows);
        for (; t < channelTiles; t++) Calls(v, vStride, pairs, u + t * 32, uStride, m + t * Int8Weights.TileN, ldm, tiles, 1, MaxRows);
    }

    private static void Calls(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm, int tiles, int width, int maxRows)
    {
        int calls = (tiles + maxRows - 1) / maxRows;
        for (int call = 0; call < calls; call++)
        {
            int r0 = (int)((long)tiles * call / calls), rows = (int)((long)tiles * (call + 1) / calls) - r0;
            int* vr = v + (long)r0 * vStride, mr = m + (long)r0 * ldm;
            switch (rows)
            {
                case 1: Call<OneRow>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 2: Call<TwoRows>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 3: Call<ThreeRows>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 4: Call<FourTiles>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 5: Call<FiveTiles>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 6: Call<SixTiles>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 7: Call<SevenRows>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 8: Call<EightRows>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                case 9: Call<NineRows>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
                default: Call<TenRows>(vr, vStride, pairs, u, uStride, mr, ldm, width); break;
            }
        }
    }

    private static void Call<TRows>(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm, int width) where TRows : struct, ITileRows
    {
        if (width != 2 && TRows.Count > MaxRows) throw new ArgumentOutOfRangeException(nameof(width), $"{TRows.Count} tiles per call exceed the {MaxRows} rows of a {width}-tile product kernel.");
        if (width == 4) Int8WinogradKernels.Products4<TRows>(v, vStride, pairs, u, uStride, m, ldm);
        else if (width == 2) Products2<TRows>(v, vStride, pairs, u, uStride, m, ldm);
        else Int8WinogradKernels.Products1<TRows>(v, vStride, pairs, u, uStride, m, ldm);
    }

    /// <summary>
    /// <see cref="Int8WinogradKernels.Products4{TRows}"/> for two tiles of 16 output channels (up to
    /// 10 tiles, 20 sums in registers): each broadcast of a tile's channel pair feeds two <c>vpmaddwd</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Products2<TRows>(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm) where TRows : struct, ITileRows
    {
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<int> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default;
        int* v1 = v + vStride, v2 = v1 + vStride, v3 = v2 + vStride, v4 = v3 + vStride, v5 = v4 + vStride;
        int* v6 = v5 + vStride, v7 = v6 + vStride, v8 = v7 + vStride, v9 = v8 + vStride;
        for (int p = 0; p < pairs; p++, u += uStride)
        {
            var b0 = Vector512.Load(u);
            var b1 = Vector512.Load(u + 32);
            var x = Vector512.Create(v[p]).AsInt16();
            c00 += Avx512BW.MultiplyAddAdjacent(x, b0);
            c01 += Avx512BW.MultiplyAddAdjacent(x, b1);
            if (TRows.Count > 1)
            {
                x = Vector512.Create(v1[p]).AsInt16();
                c10 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c11 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 2)
            {
                x = Vector512.Create(v2[p]).AsInt16();
                c20 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c21 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 3)
            {
                x = Vector512.Create(v3[p]).AsInt16();
                c30 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c31 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 4)
            {
                x = Vector512.Create(v4[p]).AsInt16();
                c40 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c41 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 5)
            {
                x = Vector512.Create(v5[p]).AsInt16();
                c50 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c51 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 6)
            {
                x = Vector512.Create(v6[p]).AsInt16();
                c60 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c61 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 7)
            {
                x = Vector512.Create(v7[p]).AsInt16();
                c70 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c71 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 8)
            {
                x = Vector512.Create(v8[p]).AsInt16();
                c80 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c81 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
            if (TRows.Count > 9)
            {
                x = Vector512.Create(v9[p]).AsInt16();
                c90 += Avx512BW.MultiplyAddAdjacent(x, b0);
                c91 += Avx512BW.MultiplyAddAdjacent(x, b1);
            }
        }
        c00.Store(m);
        c01.Store(m + 16);
        if (TRows.Count > 1) { c10.Store(m + ldm); c11.Store(m + ldm + 16); }
        if (TRows.Count > 2) { c20.Store(m + 2 * ldm); c21.Store(m + 2 * ldm + 16); }
        if (TRows.Count > 3) { c30.Store(m + 3 * ldm); c31.Store(m + 3 * ldm + 16); }
        if (TRows.Count > 4) { c40.Store(m + 4 * ldm); c41.Store(m + 4 * ldm + 16); }
        if (TRows.Count > 5) { c50.Store(m + 5 * ldm); c51.Store(m + 5 * ldm + 16); }
        if (TRows.Count > 6) { c60.Store(m + 6 * ldm); c61.Store(m + 6 * ldm + 16); }
        if (TRows.Count > 7) { c70.Store(m + 7 * ldm); c71.Store(m + 7 * ldm + 16); }
        if (TRows.Count > 8) { c80.Store(m + 8 * ldm); c81.Store(m + 8 * ldm + 16); }
        if (TRows.Count > 9) { c90.Store(m + 9 * ldm); c91.Store(m + 9 * ldm + 16); }
    }

    private readonly struct OneRow : ITileRows
    {
        public static int Count => 1;
    }

    private readonly struct TwoRows : ITileRows
    {
        public static int Count => 2;
    }

    private readonly struct ThreeRows : ITileRows
    {
        public static int Count => 3;
    }

    private readonly struct SevenRows : ITileRows
    {
        public static int Count => 7;
    }

    private readonly struct EightRows : ITileRows
    {
        public static int Count => 8;
    }

    private readonly struct NineRows : ITileRows
    {
        public static int Count => 9;
    }

    private readonly struct TenRows : ITileRows
    {
        public static int Count => 10;
    }
}
