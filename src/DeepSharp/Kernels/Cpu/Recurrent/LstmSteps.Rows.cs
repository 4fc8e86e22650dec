namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The samples of a batch never meet in an LSTM: row b of every step's product h(s)·U and cell reads
// only row b of h(s), c(s) and the gates. So a sequence can be split by batch rows instead of units:
// each thread runs every step of its own rows, start to end, with no barrier between steps and no
// state crossing between the cores. Split by units (the StepTeam path), every step's product reads
// the whole h (forward) or dz (backward), half of it written by the other core just before: 16 KB
// (forward) or 64 KB (backward) per step and thread, latency-bound line by line. Measured on a Zen 4
// VM whose two vCPUs sat in different core complexes (321 ns core-to-core round trip), the layer
// took 39–44 ms per call against 28 ms with the vCPUs close; the row split takes the cores' exchange
// out of the steps. What it costs: each thread streams all of packed U (1 MB at 256 units) per step
// instead of its half, from L2/L3 (about 4 bytes per cycle at the FMA rate: far below either's bandwidth).
// Determinism: a row's product is summed in the same k order by the same micro-kernel whichever
// rows share its call (edge tiles go through the kernel's scratch tile), and the cell is per element,
// so any split by rows gives the unsplit bits. Groups are whole micro-kernel tiles of rows (8) where
// the batch allows, so no group has a partial tile that a whole-batch call would not have.
// The bias gradient, summed inside the unit-split team while a block of rows is in cache, needs every
// row of a block and so runs here as a pass over blocks after the steps: SumRows's float partials per
// block (first row copied, then one addition per row, in row order), the same bits.

internal sealed unsafe partial class LstmSteps
{
    /// <summary>Rows of one micro-kernel tile: row groups are whole multiples of it where the batch allows.</summary>
    private const int GroupRowTile = 8;

    /// <summary>Whether sequences may be split by batch rows (the probes turn it off to compare both splits in one process).</summary>
    internal static bool RowSplitEnabled { get; set; } = true;

    private readonly int _rowGroups;
    private Mode _mode;

    private enum Mode { Step, RowGroups, BiasBlocks }

    /// <summary>Groups of batch rows a sequence is split into: 1 (the unit split or one thread) unless two or more groups of a whole tile each fit.</summary>
    private static int RowGroupCount(int batch, int threads) =>
        threads < 2 || !RowSplitEnabled ? 1 : Math.Max(1, Math.Min(threads, batch / GroupRowTile));

    /// <summary>Row groups a sequence runs as (1: split by units on a step team, or unsplit).</summary>
    public int RowGroups => _rowGroups;

    /// <summary>Rows first .. first + count − 1 of group <paramref name="index"/>: whole tiles, the last group taking the partial one.</summary>
    private (int First, int Count) RowGroup(int index)
    {
        int tiles = (_batch + GroupRowTile - 1) / GroupRowTile;
        int first = index * tiles / _rowGroups * GroupRowTile;
        int last = Math.Min(_batch, (index + 1) * tiles / _rowGroups * GroupRowTile);
        return (first, last - first);
    }

    /// <summary>Runs the sequence set up by ForwardSequence or BackwardSequence: by row groups, or on the step team.</summary>
    private void RunSequence(int time)
    {
        if (_rowGroups < 2)
        {
            _team.Run(time, _tasks, this);
            return;
        }
        _mode = Mode.RowGroups;
        try
        {
            WorkerPool.Shared.For(_rowGroups, this);
            if (_backward && _biasPartials is not null)
            {
                _mode = Mode.BiasBlocks;
                WorkerPool.Shared.For(BiasBlocks, this);
            }
        }
        finally { _mode = Mode.Step; }
    }

    private int BiasBlocks => (_time * _batch + Reductions.SumRowsBlock - 1) / Reductions.SumRowsBlock;

    /// <summary>Every step of row group <paramref name="index"/>, forward or backward, on this thread.</summary>
    private void RunRowGroup(int index)
    {
        var (r0, rows) = RowGroup(index);
        if (rows == 0) return;
        if (_backward) BackwardRows(r0, rows);
        else ForwardRows(r0, rows);
    }

    private void ForwardRows(int r0, int rows)
    {
        int block = _batch * _units, width = 4 * _units, gateBlock = 4 * block;
        for (int s = 0; s < _time; s++)
        {
            float* gates = _gates + (nint)s * gateBlock + (nint)r0 * width;
            float* cPrev = _c + (nint)s * block + (nint)r0 * _units;
            float* c = _c + (nint)(s + 1) * block + (nint)r0 * _units;
            float* h = _h + (nint)(s + 1) * block + (nint)r0 * _units;
            if (_bias is not null)
                for (int b = 0; b < rows; b++) AddInPlace(gates + (nint)b * width, _bias, width);
            if (s > 0 || !_zeroStart)
                Product(_packed!, _h + (nint)s * block + (nint)r0 * _units, _units, gates, width, (long)rows * _units, (long)rows * width, 0, width, accumulate: true, rows);
            LstmCell.Forward(new Span<float>(gates, rows * width), new ReadOnlySpan<float>(cPrev, rows * _units), new Span<float>(c, rows * _units),
                new Span<float>(h, rows * _units), rows, _units, _activation, _recurrentActivation);
        }
    }

    private void BackwardRows(int r0, int rows)
    {
        int block = _batch * _units, width = 4 * _units, gateBlock = 4 * block;
        float* dh = _dh + (nint)r0 * _units, dc = _dc + (nint)r0 * _units;
        var dcRows = new Span<float>(dc, rows * _units);
        for (int s = _time - 1; s >= 0; s--)
        {
            if (s < _time - 1)
                Product(_packedTransposed!, _dGates + (nint)(s + 1) * gateBlock + (nint)r0 * width, width, dh, _units, (long)rows * width, (long)rows * _units,
                    0, _units, accumulate: false, rows);
            if (_dy is not null && s >= _firstOutput)
            {
                float* dy = _dy + (nint)r0 * _dyStride + (nint)(s - _firstOutput) * _units;
                for (int b = 0; b < rows; b++) AddInPlace(dh + (nint)b * _units, dy + (nint)b * _dyStride, _units);
            }
            LstmCell.Backward(new ReadOnlySpan<float>(_gates + (nint)s * gateBlock + (nint)r0 * width, rows * width),
                new ReadOnlySpan<float>(_c + (nint)s * block + (nint)r0 * _units, rows * _units),
                new ReadOnlySpan<float>(_c + (nint)(s + 1) * block + (nint)r0 * _units, rows * _units),
                new ReadOnlySpan<float>(dh, rows * _units), dcRows, dcRows, new Span<float>(_dGates + (nint)s * gateBlock + (nint)r0 * width, rows * width),
                rows, _units, _activation, _recurrentActivation);
        }
    }

    /// <summary>SumRows's float partial of block <paramref name="b"/> over every gate column (first row copied, then one addition per row in row order).</summary>
    private void SumBiasBlock(int b)
    {
        int width = 4 * _units, rows = _time * _batch;
        int r0 = b * Reductions.SumRowsBlock, r1 = Math.Min(rows, r0 + Reductions.SumRowsBlock);
        float* acc = _biasPartials + (nint)b * width;
        new ReadOnlySpan<float>(_dGates + (nint)r0 * width, width).CopyTo(new Span<float>(acc, width));
        for (int r = r0 + 1; r < r1; r++) AddInPlace(acc, _dGates + (nint)r * width, width);
    }
}
