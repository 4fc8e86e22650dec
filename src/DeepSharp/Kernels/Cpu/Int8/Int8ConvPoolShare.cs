namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// One thread's share of an image whose 3×3 convolution + 2×2 pool runs by F(4×4, 3×3)
/// (<see cref="Int8Winograd4"/>): a range of its tile rows (two pool rows each) and, when the pool
/// rows are odd, a range of the last pool row's cells, which go by F(2×2) (<see cref="Int8Winograd.ImagePooledCells"/>).
/// </summary>
/// <remarks>
/// The shares are balanced by the Winograd positions each computes (a tile row 36 per tile, an F(2×2)
/// cell 16), not by pool rows: the convnet's 5 pool rows cut by rows were 2 + 3 — one tile row against
/// a tile row and the F(2×2) row, 108 positions against 188 per channel, the second thread 1.6× as long
/// as the first (measured); cut here they are a tile row and 2 cells against a tile row and 3 (140 and 156).
/// Every cell's sums are the same whichever kernel computes them, so any cut gives the same bytes.
/// </remarks>
internal readonly record struct Winograd4Share(int TileRow0, int TileRow1, int Cell0, int Cell1)
{
    /// <summary>Winograd positions per output channel of one F(4×4) tile and of one F(2×2) cell.</summary>
    private const int TilePositions = 36, CellPositions = 16;

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of a pooled image of <paramref name="poolH"/> × <paramref name="poolW"/> cells.</summary>
    public static Winograd4Share Of(int poolH, int poolW, int part, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, parts);
        int tileRows = poolH / 2, cells = poolH % 2 == 1 ? poolW : 0;
        long rowCost = (long)TilePositions * ((poolW + 1) / 2);
        int tileRow0 = tileRows * part / parts, tileRow1 = tileRows * (part + 1) / parts;
        // The cells fill the shares up to an even cost, in part order: part p's cells start where the
        // cells the parts before it took end (the cost of the tile rows before it plus their cells).
        long total = rowCost * tileRows + (long)CellPositions * cells;
        return new Winograd4Share(tileRow0, tileRow1, CellsBefore(part), CellsBefore(part + 1));

        int CellsBefore(int p)
        {
            if (p >= parts) return cells;
            long taken = 0;
            for (int q = 1; q <= p; q++) // never fewer than the parts before took (a part's tile rows may outweigh its even cost)
            {
                // The cost parts 0..q−1 should carry, less their tile rows' cost: what their cells make up.
                long wanted = total * q / parts - rowCost * (tileRows * q / parts);
                // Rounded down: the earlier parts are the caller's, which runs the one-item stages after this one (the Dense).
                taken = Math.Max(taken, Math.Clamp(wanted / CellPositions, 0, cells));
            }
            return (int)taken;
        }
    }
}
