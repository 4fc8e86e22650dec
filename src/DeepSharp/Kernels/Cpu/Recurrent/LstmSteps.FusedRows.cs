namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A row group's forward step (LstmSteps.Rows.cs) makes four passes over its gates (rows × 4U: 64 KB
// for 16 rows of 256 units, more than Intel's 48 KB L1): x(s)·W writes them, the bias pass reads and
// writes them, h(s)·U reads and writes them, the cell reads and writes them. Here the step is run tile
// by tile instead: for each panel of Nr units and each of its four gate column panels, each Mr-row tile
// of C gets x·W (summed from zero), then the bias, then h·U (summed from zero and added), while the
// tile is in L1; once the four gate panels are done, the cell runs on those units of every row while
// their gates are still in L1. The W and U micro-panels of a gate panel serve the group's row tiles one
// after the other, as the column-outer macro-kernel has them.
// Same bits: every tile is the one the driver computes (RunPackedRegion with A in place: the same
// micro-kernel, k blocks of GemmBlocking.Kc from zero then added, the bias one IEEE addition in between),
// and the cell is per element with every width giving the scalar body's bits. Used where every tile is
// whole (rows a multiple of Mr, units of Nr) and both kernels were packed for the 512-bit micro-kernel;
// otherwise ForwardRows runs. On Intel only: it takes three passes over the gates out of L2 (fewer
// passes), but was measured only there (Zen 4's L1 is 32 KB, less than the W and U micro-panels of one
// gate panel at 128 features and 256 units).

internal sealed unsafe partial class LstmSteps
{
    /// <summary>Whether row groups run their forward steps tile by tile (the probes turn it off to compare in one process).</summary>
    internal static bool FusedForwardEnabled { get; set; }

    /// <summary>Whether a row group of <paramref name="rows"/> rows can run <see cref="ForwardRowsFused"/>.</summary>
    private bool FusedForwardApplies(int rows) =>
        FusedForwardEnabled && _inputs is not null && _features > 0 && _units > 0
        && _packed!.Kind == GemmKernelKind.Vector512 && _packedInput!.Kind == GemmKernelKind.Vector512
        && rows % GemmMicroKernel512.Mr == 0 && _units % GemmMicroKernel512.Nr == 0;

    /// <summary>As ForwardRows, tile by tile: the same bits (see the notes above).</summary>
    private void ForwardRowsFused(int r0, int rows)
    {
        int mr = GemmMicroKernel512.Mr, nr = GemmMicroKernel512.Nr;
        int block = _batch * _units, width = 4 * _units, gateBlock = 4 * block;
        for (int s = 0; s < _time; s++)
        {
            float* gates = _gates + (nint)s * gateBlock + (nint)r0 * width;
            float* x = _inputs + ((nint)s * _batch + r0) * _features;
            float* hPrev = s > 0 || !_zeroStart ? _h + (nint)s * block + (nint)r0 * _units : null;
            float* cPrev = _c + (nint)s * block + (nint)r0 * _units;
            float* c = _c + (nint)(s + 1) * block + (nint)r0 * _units;
            float* h = _h + (nint)(s + 1) * block + (nint)r0 * _units;
            for (int j = 0; j < _units; j += nr)
            {
                for (int q = 0; q < 4; q++)
                {
                    int col = q * _units + j;
                    for (int r = 0; r < rows; r += mr)
                    {
                        float* tile = gates + (nint)r * width + col;
                        Tile(_packedInput!, x + (nint)r * _features, _features, col, tile, width, accumulate: false);
                        if (_bias is not null)
                            for (int i = 0; i < mr; i++) AddInPlace(tile + (nint)i * width, _bias + col, nr);
                    }
                    if (hPrev is not null)
                        for (int r = 0; r < rows; r += mr)
                            Tile(_packed!, hPrev + (nint)r * _units, _units, col, gates + (nint)r * width + col, width, accumulate: true);
                }
                for (int r = 0; r < rows; r++)
                {
                    float* row = gates + (nint)r * width + j;
                    nint at = (nint)r * _units + j;
                    var cell = new LstmCellForwardLoop(row, row + _units, row + 2 * _units, row + 3 * _units, cPrev + at, c + at, h + at,
                        _activation, _recurrentActivation);
                    for (int k = 0; k < nr; k += 16) cell.Invoke512((nuint)k);
                }
            }
        }
    }

    /// <summary>
    /// One Mr×Nr tile of C (+)= A·B at column <paramref name="col"/> of the packed B, A's Mr rows read in
    /// place: each k block of GemmBlocking.Kc summed from zero, then stored (the first, unless
    /// <paramref name="accumulate"/>) or added, as RunPackedRegion does.
    /// </summary>
    private static void Tile(GemmPackedB b, float* a, int lda, int col, float* c, int ldc, bool accumulate)
    {
        int k = b.K;
        for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
        {
            int kc = Math.Min(GemmBlocking.Kc, k - pc);
            GemmMicroKernel512.RunInPlaceA(kc, a + pc, lda, b.Block(pc) + (nint)col * kc, c, ldc, accumulate || pc > 0);
        }
    }
}
