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
// The input projection x(s)·W and the input gradient dz(s)·Wᵀ run inside the row groups' steps too
// (W or Wᵀ packed once per sequence, the group's rows in cache): the gates are written once by the
// steps instead of by one (T·B, F)·(F, 4U) product and read back, and the gate gradients are read
// for dx while they are still in cache. Same kernel, same k blocks: the bits of the one product
// (measured on Zen 4, load ~50: 0.4–0.8 % of the layer's call, one and two threads).
// On Intel (Emerald Rapids: 48 KB L1, 2 MB L2, Kc = 512) the two GEMMs over all steps measured faster
// instead (docs/benchmarks.md, lstm5: the layer's call ×0.984 on two threads, ×0.996 on one, in
// process, load 43–50), so there the row groups run only the recurrent products and cells
// (InputProductsInSteps, gated on CpuIdentity.IsIntel: AMD runs what it ran).

internal sealed unsafe partial class LstmSteps
{
    /// <summary>Rows of one micro-kernel tile: row groups are whole multiples of it where the batch allows.</summary>
    private const int GroupRowTile = 8;

    /// <summary>Whether sequences may be split by batch rows (the probes turn it off to compare both splits in one process).</summary>
    internal static bool RowSplitEnabled { get; set; } = true;

    /// <summary>
    /// Whether row groups compute x·W and dz·Wᵀ inside their steps; otherwise one Gemm.Multiply over all
    /// steps before the forward steps and after the backward ones (the same bits). Off on Intel, where the
    /// two GEMMs measured 1–2 % faster over the layer (see the notes above); the probes switch it to compare.
    /// </summary>
    internal static bool InputProductsInSteps { get; set; } = !CpuIdentity.IsIntel;

    private readonly int _rowGroups;
    private Mode _mode;

    // The input projection inside the row groups' steps: W (forward) or Wᵀ (backward) packed, the
    // time-major inputs (T, B, F) or their gradient, while a sequence that was given them runs.
    private GemmPackedB? _packedInput;
    private float* _inputs, _dInputs;
    private int _features;

    private enum Mode { Step, RowGroups, BiasBlocks }

    /// <summary>
    /// Groups of batch rows a sequence is split into: 1 on one thread, one per thread when each gets
    /// at least a whole tile of rows, else 0: the sequence runs split by units on a step team.
    /// </summary>
    private static int RowGroupCount(int batch, int threads) =>
        !RowSplitEnabled ? 0 : threads < 2 ? 1 : batch / GroupRowTile >= 2 ? Math.Min(threads, batch / GroupRowTile) : 0;

    /// <summary>Row groups a sequence runs as (0: split by units on a step team).</summary>
    public int RowGroups => _rowGroups;

    /// <summary>
    /// As <see cref="ForwardSequence(int, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, bool)"/> with the
    /// input projection included: <paramref name="gates"/> is written, step s's rows = x(s)·W, then the bias and the
    /// recurrent product added, then activated. Split by rows, each group computes its rows' x(s)·W just before its
    /// product (W packed once, its rows of x in cache, the gates written once instead of by one large product and
    /// read back); otherwise one Gemm.Multiply over all steps first. The same bits either way. <c>inputs</c> (time, B, F):
    /// the inputs in processing order; <c>kernel</c>: W, (F, 4U); <c>features</c>: F.
    /// </summary>
    public void ForwardSequence(int time, ReadOnlySpan<float> inputs, ReadOnlySpan<float> kernel, int features, ReadOnlySpan<float> bias,
        Span<float> gates, Span<float> c, Span<float> h, bool zeroStart)
    {
        int width = 4 * _units;
        if (time < 0 || features < 0) throw new ArgumentOutOfRangeException(nameof(time), $"LSTM steps need time ≥ 0 and features ≥ 0; got time={time}, features={features}.");
        Require(inputs.Length, time * _batch * features, nameof(inputs));
        if (kernel.Length != (long)features * width)
            throw new ArgumentException($"LSTM steps: the kernel holds {kernel.Length} floats; {features} features and {_units} units need {(long)features * width}.", nameof(kernel));
        Require(gates.Length, time * _batch * width, nameof(gates));
        if (_rowGroups == 0 || time * _batch * width == 0 || !InputProductsInSteps)
        {
            Gemm.Multiply(false, false, time * _batch, width, features, inputs, features, kernel, width, gates, width, accumulate: false);
            ForwardSequence(time, bias, gates, c, h, zeroStart);
            return;
        }
        _packedInput = GemmPackedB.Pack(false, features, width, kernel, width);
        try
        {
            fixed (float* px = inputs)
            {
                _inputs = px;
                _features = features;
                ForwardSequence(time, bias, gates, c, h, zeroStart);
            }
        }
        finally
        {
            _inputs = null;
            _packedInput.Dispose();
            _packedInput = null;
        }
    }

    /// <summary>
    /// As <see cref="BackwardSequence(int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float}, Span{float}, Span{float})"/>
    /// with the input gradient included: <paramref name="dInputs"/> (time, B, F) = dGates·Wᵀ. Split by rows, each
    /// group computes its rows of step s just after writing their gate gradients (Wᵀ packed once, the rows in
    /// cache); otherwise one Gemm.Multiply after the steps. The same bits either way.
    /// </summary>
    public void BackwardSequence(int time, ReadOnlySpan<float> gates, ReadOnlySpan<float> c, ReadOnlySpan<float> dy, int dyStride, int firstOutput,
        Span<float> dh, Span<float> dc, Span<float> dGates, Span<float> dBias, ReadOnlySpan<float> kernel, int features, Span<float> dInputs)
    {
        int width = 4 * _units;
        if (time < 0 || features < 0) throw new ArgumentOutOfRangeException(nameof(time), $"LSTM steps need time ≥ 0 and features ≥ 0; got time={time}, features={features}.");
        if (kernel.Length != (long)features * width)
            throw new ArgumentException($"LSTM steps: the kernel holds {kernel.Length} floats; {features} features and {_units} units need {(long)features * width}.", nameof(kernel));
        Require(dInputs.Length, time * _batch * features, nameof(dInputs));
        Require(dGates.Length, time * _batch * width, nameof(dGates));
        if (_rowGroups == 0 || time * _batch * width == 0 || !InputProductsInSteps)
        {
            BackwardSequence(time, gates, c, dy, dyStride, firstOutput, dh, dc, dGates, dBias);
            Gemm.Multiply(false, true, time * _batch, features, width, dGates, width, kernel, width, dInputs, features, accumulate: false);
            return;
        }
        _packedInput = GemmPackedB.Pack(true, width, features, kernel, width);
        try
        {
            fixed (float* pdx = dInputs)
            {
                _dInputs = pdx;
                _features = features;
                BackwardSequence(time, gates, c, dy, dyStride, firstOutput, dh, dc, dGates, dBias);
            }
        }
        finally
        {
            _dInputs = null;
            _packedInput.Dispose();
            _packedInput = null;
        }
    }

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
        if (_rowGroups == 0)
        {
            _team.Run(time, _tasks, this);
            return;
        }
        _mode = Mode.RowGroups;
        try
        {
            if (_rowGroups == 1) RunRowGroup(0);
            else WorkerPool.Shared.For(_rowGroups, this);
            if (_backward && _biasPartials is not null)
            {
                _mode = Mode.BiasBlocks;
                if (_rowGroups == 1)
                    for (int b = 0; b < BiasBlocks; b++) SumBiasBlock(b);
                else WorkerPool.Shared.For(BiasBlocks, this);
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
            if (_inputs is not null) InputProduct(_inputs + ((nint)s * _batch + r0) * _features, _features, gates, width, rows);
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
            if (_dInputs is not null)
                InputProduct(_dGates + (nint)s * gateBlock + (nint)r0 * width, width, _dInputs + ((nint)s * _batch + r0) * _features, _features, rows);
        }
    }

    /// <summary>C (rows × N) = A·B with B the packed input kernel (W forward, Wᵀ backward); zeros when its depth is 0.</summary>
    private void InputProduct(float* a, int lda, float* c, int ldc, int rows)
    {
        var b = _packedInput!;
        if (b.K == 0)
        {
            for (int r = 0; r < rows; r++) new Span<float>(c + (nint)r * ldc, b.N).Clear();
            return;
        }
        Product(b, a, lda, c, ldc, (long)(rows - 1) * lda + b.K, (long)(rows - 1) * ldc + b.N, 0, b.N, accumulate: false, rows);
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
