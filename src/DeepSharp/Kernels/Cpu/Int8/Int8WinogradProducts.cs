namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The element-wise stage shared by the integer Winograd kernels F(2×2, 3×3) (<see cref="Int8Winograd"/>,
/// 16 positions) and F(4×4, 3×3) (<see cref="Int8Winograd4"/>, 36 positions): for each position, the
/// transformed input tiles (int16 channel pairs) times the transformed weights, summed over channels
/// into int32 with <c>vpmaddwd</c> (<see cref="Int8WinogradKernels"/>), 4, 5 or 6 tiles per call (1–3 where a
/// caller has only that many: the mixed edge tiles of <see cref="Int8WinogradMixed"/>).
/// </summary>
internal static unsafe class Int8WinogradProducts
{
    /// <summary>The int32 sums of a block's tiles: tile i's position p, 16-channel tile t at <see cref="Tile"/>(i) + p · PositionStride + 16t.</summary>
    internal readonly struct Block(int* m, long positionStride, int ldm)
    {
        public long PositionStride => positionStride;

        public int* Tile(int i) => m + (long)i * ldm;
    }

    /// <summary>
    /// 4, 5 or 6 tiles per product call, whichever sums the fewest rows twice (the last call overlaps), the larger on a
    /// tie; fewer than 4 tiles go as one call of that many (no rows of zeros summed: an odd pool's corner cell is one tile).
    /// </summary>
    public static int TilesPerCall(int tiles)
    {
        if (tiles is >= 1 and < 4) return tiles;
        int best = 6;
        for (int rows = 5; rows >= 4; rows--)
            if (Calls(tiles, rows) * rows < Calls(tiles, best) * best) best = rows;
        return best;

        static int Calls(int tiles, int rows) => (Math.Max(tiles, rows) + rows - 1) / rows;
    }

    /// <summary>Zeros the input rows <paramref name="from"/>..<paramref name="padded"/>−1 at every position (fewer tiles than one call sums).</summary>
    public static void ClearPadding(int* v, int from, int padded, int positions, long vPosition, int vStride)
    {
        for (int i = from; i < padded; i++)
            for (int p = 0; p < positions; p++)
                new Span<int>(v + p * vPosition + (long)i * vStride, vStride).Clear();
    }

    /// <summary>
    /// The products of <paramref name="padded"/> transformed tiles (<paramref name="v"/>: position p's tiles at
    /// p · <paramref name="vPosition"/>, <paramref name="vStride"/> ints apart) with the packed weights
    /// <paramref name="u"/> (<paramref name="pairs"/> channel pairs × <paramref name="nt"/> 16-channel tiles per
    /// position), <paramref name="rows"/> tiles per call, into the products scratch.
    /// </summary>
    public static Block Multiply(int positions, int* v, long vPosition, int vStride, int pairs, short* u, int nt, int padded, int rows)
    {
        int channels = nt * Int8Weights.TileN, ldm = positions * channels, uStride = nt * Int8Weights.TileN * 2;
        long mPosition = channels;
        int* m = Int8Scratch.Ints(Int8Scratch.WinogradProducts, (long)padded * ldm);
        for (int p = 0; p < positions; p++)
        {
            short* up = u + (long)p * pairs * uStride;
            int* vp = v + p * vPosition;
            int* mp = m + p * mPosition;
            for (int r0 = 0; r0 < padded; r0 += rows)
            {
                int start = Math.Min(r0, padded - rows); // the last call overlaps the one before: the same sums again
                switch (rows)
                {
                    case 1: Tiles<OneTile>(vp + (long)start * vStride, vStride, pairs, up, uStride, mp + (long)start * ldm, ldm, nt); break;
                    case 2: Tiles<TwoTiles>(vp + (long)start * vStride, vStride, pairs, up, uStride, mp + (long)start * ldm, ldm, nt); break;
                    case 3: Tiles<ThreeTiles>(vp + (long)start * vStride, vStride, pairs, up, uStride, mp + (long)start * ldm, ldm, nt); break;
                    case 4: Tiles<FourTiles>(vp + (long)start * vStride, vStride, pairs, up, uStride, mp + (long)start * ldm, ldm, nt); break;
                    case 5: Tiles<FiveTiles>(vp + (long)start * vStride, vStride, pairs, up, uStride, mp + (long)start * ldm, ldm, nt); break;
                    default: Tiles<SixTiles>(vp + (long)start * vStride, vStride, pairs, up, uStride, mp + (long)start * ldm, ldm, nt); break;
                }
            }
        }
        return new Block(m, mPosition, ldm);
    }

    private static void Tiles<TRows>(int* v, int vStride, int pairs, short* u, int uStride, int* m, int ldm, int nt) where TRows : struct, ITileRows
    {
        int t = 0;
        for (; t + 4 <= nt; t += 4)
            Int8WinogradKernels.Products4<TRows>(v, vStride, pairs, u + t * 32, uStride, m + t * Int8Weights.TileN, ldm);
        for (; t < nt; t++)
            Int8WinogradKernels.Products1<TRows>(v, vStride, pairs, u + t * 32, uStride, m + t * Int8Weights.TileN, ldm);
    }
}
