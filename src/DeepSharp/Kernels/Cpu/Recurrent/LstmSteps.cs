using System.Buffers;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// One LSTM time step is a product h·U, (B, U)·(U, 4U), added to the step's gate pre-activations,
// then the pointwise cell (LstmCell). Both split by units: the worker that owns units u0..u1
// computes the four gate column ranges q·U + u0 .. q·U + u1 (q = i, f, g, o) of the product, from
// U packed once per sequence (GemmPackedB), and then the cell for those same units. So one
// fork/join per step covers the product and the cell, the cell runs on every thread instead of
// after the product on one, and each worker only ever reads its own columns of packed U: on two
// threads with 256 units that is 512 KB, which stays in its core's L2 from one step to the next
// instead of streaming the whole 1 MB from L3.
// Backward likewise with Uᵀ packed once: the worker computes its units of
// dh(s + 1) = dz(s + 1)·Uᵀ + ∂L/∂output(s), then the cell backward for those units, which writes
// its four gate column ranges of dz(s).
// Determinism: slices are whole multiples of SliceUnits (32 units: a multiple of every GEMM
// micro-kernel's Nr and of every vector width), so splitting only moves column ranges between
// threads: each element is summed in the same k order by the same micro-kernel, and every cell
// element takes the same vector path. The results are bit-identical for any thread count, and to
// the unsplit product (Gemm.Multiply) followed by the whole-row cell. With units not a multiple
// of SliceUnits the step runs as a single task (the whole product, then the cell).
// A first step from a zero state (no initial state given) skips its product: h·U is exactly zero.
// A whole sequence (ForwardSequence, BackwardSequence) runs on one StepTeam: the threads start once
// and meet at a barrier between steps, each keeping its slice of units (and of packed U) at every
// step, instead of one fork/join of the pool per step. Forward, each slice also adds the bias to its
// gate columns just before its product, where the rows are in cache anyway, instead of one serial
// pass over the whole (T, B, 4U) projection: (x·W + b) + h·U, the same sums in the same order.
// From 16 batch rows on (and on one thread) a sequence is split by batch rows instead, with no
// barrier at all (LstmSteps.Rows.cs); the unit split above serves smaller batches on several threads.

/// <summary>
/// Runs the time steps of one LSTM sequence, forward or backward, with each step's recurrent
/// product and cell fused per slice of units and the slices spread over <see cref="WorkerPool.Shared"/>.
/// Holds U (forward) or Uᵀ (backward) packed for the sequence; dispose it when the sequence is done.
/// </summary>
internal sealed unsafe partial class LstmSteps : IParallelBody, IStepSliceBody, IDisposable
{
    /// <summary>Granularity of the split over units.</summary>
    public const int SliceUnits = 32;

    private readonly int _batch, _units, _tasks;
    private readonly CellActivation _activation, _recurrentActivation;
    private GemmPackedB? _packed, _packedTransposed;

    // The step being run (set by Forward/Backward while their spans are pinned).
    private bool _backward;
    private float* _hPrev, _cPrev, _gates, _c, _h;
    private float* _dGatesNext, _dy, _dh, _dc, _dGates;
    private int _dyStride;

    // The sequence being run (set by ForwardSequence/BackwardSequence while their spans are pinned).
    private readonly StepTeam _team = new();
    private int _time, _firstOutput;
    private bool _zeroStart;
    private float* _bias;
    private float* _biasPartials;     // backward: SumRows's block partials (blocks, 4U), or null

    /// <param name="recurrentKernel">U, (units, 4·units), gate blocks i, f, c, o (Keras's layout); packed here.</param>
    /// <param name="batch">Rows of every step.</param>
    /// <param name="units">The layer's units.</param>
    /// <param name="activation">Keras's activation (candidate and output).</param>
    /// <param name="recurrentActivation">Keras's recurrent activation (the gates).</param>
    /// <param name="threads">Workers to split a step over (at most; the split is by whole slices).</param>
    /// <param name="backward">Pack Uᵀ for <see cref="Backward"/> and <see cref="TransposedProduct"/>, else U for <see cref="Forward"/>.</param>
    public LstmSteps(ReadOnlySpan<float> recurrentKernel, int batch, int units,
        CellActivation activation, CellActivation recurrentActivation, int threads, bool backward)
    {
        if (batch < 0 || units < 0 || threads < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"LSTM steps need batch ≥ 0, units ≥ 0 and threads ≥ 1; got batch={batch}, units={units}, threads={threads}.");
        if (recurrentKernel.Length != (long)units * 4 * units)
            throw new ArgumentException($"LSTM steps: the recurrent kernel holds {recurrentKernel.Length} floats; {units} units need {(long)units * 4 * units}.", nameof(recurrentKernel));
        _batch = batch;
        _units = units;
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        _tasks = units % SliceUnits == 0 ? Math.Max(1, Math.Min(threads, units / SliceUnits)) : 1;
        _rowGroups = RowGroupCount(batch, threads);
        if (backward) _packedTransposed = GemmPackedB.Pack(true, 4 * units, units, recurrentKernel, 4 * units);
        else _packed = GemmPackedB.Pack(false, units, 4 * units, recurrentKernel, 4 * units);
    }

    /// <summary>Tasks each step is cut into (1 when it is not split).</summary>
    public int Tasks => _tasks;

    /// <summary>
    /// One step forward: <paramref name="gates"/> (B, 4U) holds x·W + b and becomes the activated
    /// gates, as <see cref="Gemm.Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>
    /// (gates += hPrev·U) followed by <see cref="LstmCell.Forward(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, CellActivation, CellActivation)"/>
    /// would leave it; writes the new states <paramref name="c"/> and <paramref name="h"/> (B, U).
    /// An empty <paramref name="hPrev"/> is a zero state: the product is skipped.
    /// </summary>
    public void Forward(ReadOnlySpan<float> hPrev, ReadOnlySpan<float> cPrev, Span<float> gates, Span<float> c, Span<float> h)
    {
        int block = _batch * _units;
        if (!hPrev.IsEmpty) Require(hPrev.Length, block, nameof(hPrev));
        Require(cPrev.Length, block, nameof(cPrev));
        Require(gates.Length, 4 * block, nameof(gates));
        Require(c.Length, block, nameof(c));
        Require(h.Length, block, nameof(h));
        if (block == 0) return;
        if (_packed is null) throw new InvalidOperationException("LSTM steps: this instance was made for the backward pass.");
        fixed (float* ph = hPrev, pcp = cPrev, pg = gates, pc = c, pnh = h)
        {
            _backward = false;
            _hPrev = hPrev.IsEmpty ? null : ph;
            _cPrev = pcp;
            _gates = pg;
            _c = pc;
            _h = pnh;
            try { WorkerPool.Shared.For(_tasks, this); }
            finally { Clear(); }
        }
    }

    /// <summary>
    /// One step backward. <paramref name="dh"/> (B, U): in, ∂L/∂h from after this step when
    /// <paramref name="dGatesNext"/> is empty (the last step), else it is overwritten with
    /// dGatesNext·Uᵀ; then ∂L/∂(this step's output) is added from <paramref name="dy"/> (row b at
    /// b·<paramref name="dyStride"/>; empty when the step has no output). Then the cell backward
    /// (<see cref="LstmCell.Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, CellActivation, CellActivation)"/>)
    /// turns <paramref name="dc"/> into ∂L/∂c_prev in place and writes <paramref name="dGates"/> (B, 4U).
    /// </summary>
    public void Backward(ReadOnlySpan<float> dGatesNext, ReadOnlySpan<float> dy, int dyStride,
        ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        Span<float> dh, Span<float> dc, Span<float> dGates)
    {
        int block = _batch * _units;
        if (!dGatesNext.IsEmpty) Require(dGatesNext.Length, 4 * block, nameof(dGatesNext));
        if (!dy.IsEmpty && (dyStride < _units || dy.Length < (long)(_batch - 1) * dyStride + _units))
            throw new ArgumentException($"LSTM steps: output gradient of {dy.Length} floats with row stride {dyStride} is too short for {_batch} rows of {_units}.", nameof(dy));
        Require(gates.Length, 4 * block, nameof(gates));
        Require(cPrev.Length, block, nameof(cPrev));
        Require(c.Length, block, nameof(c));
        Require(dh.Length, block, nameof(dh));
        Require(dc.Length, block, nameof(dc));
        Require(dGates.Length, 4 * block, nameof(dGates));
        if (block == 0) return;
        if (_packedTransposed is null) throw new InvalidOperationException("LSTM steps: this instance was made for the forward pass.");
        fixed (float* pn = dGatesNext, pdy = dy, pg = gates, pcp = cPrev, pc = c, pdh = dh, pdc = dc, pdg = dGates)
        {
            _backward = true;
            _dGatesNext = dGatesNext.IsEmpty ? null : pn;
            _dy = dy.IsEmpty ? null : pdy;
            _dyStride = dyStride;
            _gates = pg;
            _cPrev = pcp;
            _c = pc;
            _dh = pdh;
            _dc = pdc;
            _dGates = pdg;
            try { WorkerPool.Shared.For(_tasks, this); }
            finally { Clear(); }
        }
    }

    /// <summary>dh (B, U) = dGates (B, 4U)·Uᵀ on the calling thread: the gradient of the initial state.</summary>
    public void TransposedProduct(ReadOnlySpan<float> dGates, Span<float> dh)
    {
        Require(dGates.Length, 4 * _batch * _units, nameof(dGates));
        Require(dh.Length, _batch * _units, nameof(dh));
        if (_batch * _units == 0) return;
        if (_packedTransposed is null) throw new InvalidOperationException("LSTM steps: this instance was made for the forward pass.");
        fixed (float* a = dGates, c = dh)
            Product(_packedTransposed, a, 4 * _units, c, _units, dGates.Length, dh.Length, 0, _units, accumulate: false);
    }

    /// <summary>
    /// Every forward step of a sequence on one <see cref="StepTeam"/> (one start, a barrier between
    /// steps, each thread keeping its slice of units): the same bits as adding the bias to every
    /// step's gates and then calling <see cref="Forward"/> for steps 0 .. time − 1.
    /// </summary>
    /// <param name="time">Steps.</param>
    /// <param name="bias">4U values added to every step's gates before its product, or empty for none.</param>
    /// <param name="gates">(time, B, 4U): in, x·W; out, the activated gates.</param>
    /// <param name="c">(time + 1, B, U): block 0 the initial cell state; blocks 1.. written.</param>
    /// <param name="h">(time + 1, B, U): block 0 the initial output state (unread when <paramref name="zeroStart"/>); blocks 1.. written.</param>
    /// <param name="zeroStart">Block 0 of h is zero: step 0 skips its product.</param>
    public void ForwardSequence(int time, ReadOnlySpan<float> bias, Span<float> gates, Span<float> c, Span<float> h, bool zeroStart)
    {
        int block = _batch * _units;
        if (time < 0) throw new ArgumentOutOfRangeException(nameof(time), time, "LSTM steps: the step count must be non-negative.");
        if (!bias.IsEmpty) Require(bias.Length, 4 * _units, nameof(bias));
        Require(gates.Length, time * 4 * block, nameof(gates));
        Require(c.Length, (time + 1) * block, nameof(c));
        Require(h.Length, (time + 1) * block, nameof(h));
        if (block == 0 || time == 0) return;
        if (_packed is null) throw new InvalidOperationException("LSTM steps: this instance was made for the backward pass.");
        fixed (float* pb = bias, pg = gates, pc = c, ph = h)
        {
            _time = time;
            _zeroStart = zeroStart;
            _bias = bias.IsEmpty ? null : pb;
            _gates = pg;
            _c = pc;
            _h = ph;
            _backward = false;
            try { RunSequence(time); }
            finally { Clear(); }
        }
    }

    /// <summary>
    /// Every backward step of a sequence, last to first, on one <see cref="StepTeam"/>: the same bits
    /// as <see cref="Backward"/> for steps time − 1 .. 0, each given the gate gradients of the step
    /// after it (none for the last) and its rows of <paramref name="dy"/>.
    /// </summary>
    /// <param name="time">Steps.</param>
    /// <param name="gates">(time, B, 4U): the activated gates of the forward pass.</param>
    /// <param name="c">(time + 1, B, U): the cell states of the forward pass.</param>
    /// <param name="dy">∂L/∂outputs: step s ≥ <paramref name="firstOutput"/> has sample b's row at b·<paramref name="dyStride"/> + (s − firstOutput)·U; empty for none.</param>
    /// <param name="dyStride">Row stride of <paramref name="dy"/>.</param>
    /// <param name="firstOutput">The first step with an output.</param>
    /// <param name="dh">(B, U): in, ∂L/∂h after the last step; out, the last step's dh (∂L/∂h after step 0).</param>
    /// <param name="dc">(B, U): in, ∂L/∂c after the last step; out, ∂L/∂c before step 0.</param>
    /// <param name="dGates">(time, B, 4U): written, ∂L/∂(every step's pre-activations).</param>
    /// <param name="dBias">4U values: += Σ over the time·B rows of <paramref name="dGates"/>, the same bits as
    /// <see cref="Reductions.SumRows"/> of it afterwards; empty for none. Each slice sums its own columns of a
    /// block of <see cref="Reductions.SumRowsBlock"/> rows as soon as the block's last (earliest) step is done,
    /// while the block is still in its core's cache, instead of one more pass over the whole (time, B, 4U).</param>
    public void BackwardSequence(int time, ReadOnlySpan<float> gates, ReadOnlySpan<float> c, ReadOnlySpan<float> dy, int dyStride, int firstOutput,
        Span<float> dh, Span<float> dc, Span<float> dGates, Span<float> dBias = default)
    {
        int block = _batch * _units;
        if (time < 0) throw new ArgumentOutOfRangeException(nameof(time), time, "LSTM steps: the step count must be non-negative.");
        Require(gates.Length, time * 4 * block, nameof(gates));
        Require(c.Length, (time + 1) * block, nameof(c));
        Require(dh.Length, block, nameof(dh));
        Require(dc.Length, block, nameof(dc));
        Require(dGates.Length, time * 4 * block, nameof(dGates));
        if (!dy.IsEmpty && _batch > 0 && (firstOutput < 0 || dyStride < _units
            || dy.Length < (long)(_batch - 1) * dyStride + (long)(time - 1 - firstOutput) * _units + _units))
            throw new ArgumentException($"LSTM steps: output gradient of {dy.Length} floats with row stride {dyStride} is too short for {_batch} rows of steps {firstOutput}..{time - 1} of {_units} units.", nameof(dy));
        if (!dBias.IsEmpty) Require(dBias.Length, 4 * _units, nameof(dBias));
        if (block == 0 || time == 0) return;
        if (_packedTransposed is null) throw new InvalidOperationException("LSTM steps: this instance was made for the forward pass.");
        int rows = time * _batch, width = 4 * _units;
        int blocks = dBias.IsEmpty ? 0 : (rows + Reductions.SumRowsBlock - 1) / Reductions.SumRowsBlock;
        float[]? partials = blocks == 0 ? null : ArrayPool<float>.Shared.Rent(blocks * width);
        try
        {
            fixed (float* pp = partials)
            {
                _biasPartials = pp;
                RunBackwardSequence(time, gates, c, dy, dyStride, firstOutput, dh, dc, dGates);
                if (partials is not null) Reductions.AddBlockPartials(new ReadOnlySpan<float>(pp, blocks * width), blocks, dBias, width);
            }
        }
        finally
        {
            if (partials is not null) ArrayPool<float>.Shared.Return(partials);
        }
    }

    private void RunBackwardSequence(int time, ReadOnlySpan<float> gates, ReadOnlySpan<float> c, ReadOnlySpan<float> dy, int dyStride, int firstOutput,
        Span<float> dh, Span<float> dc, Span<float> dGates)
    {
        fixed (float* pg = gates, pc = c, pdy = dy, pdh = dh, pdc = dc, pdg = dGates)
        {
            _time = time;
            _gates = pg;
            _c = pc;
            _dy = dy.IsEmpty ? null : pdy;
            _dyStride = dyStride;
            _firstOutput = firstOutput;
            _dh = pdh;
            _dc = pdc;
            _dGates = pdg;
            _backward = true;
            try { RunSequence(time); }
            finally { Clear(); }
        }
    }

    /// <inheritdoc />
    public void Execute(int index)
    {
        if (_mode == Mode.RowGroups)
        {
            RunRowGroup(index);
            return;
        }
        if (_mode == Mode.BiasBlocks)
        {
            SumBiasBlock(index);
            return;
        }
        var (first, count) = Slice(index);
        if (_backward) BackwardSlice(_dGatesNext, _dy, _gates, _cPrev, _c, _dGates, first, count);
        else ForwardSlice(_hPrev, _cPrev, _gates, _c, _h, null, first, count);
    }

    /// <inheritdoc />
    public void RunSlice(int step, int slice)
    {
        var (first, count) = Slice(slice);
        int block = _batch * _units, gateBlock = 4 * block;
        if (!_backward)
        {
            float* hPrev = step == 0 && _zeroStart ? null : _h + (nint)step * block;
            ForwardSlice(hPrev, _c + (nint)step * block, _gates + (nint)step * gateBlock, _c + (nint)(step + 1) * block, _h + (nint)(step + 1) * block,
                _bias, first, count);
            return;
        }
        int s = _time - 1 - step;
        float* next = s == _time - 1 ? null : _dGates + (nint)(s + 1) * gateBlock;
        float* dy = _dy is null || s < _firstOutput ? null : _dy + (nint)(s - _firstOutput) * _units;
        BackwardSlice(next, dy, _gates + (nint)s * gateBlock, _c + (nint)s * block, _c + (nint)(s + 1) * block, _dGates + (nint)s * gateBlock, first, count);
        if (_biasPartials is not null) SumFinishedBlocks(s, first, count);
    }

    /// <summary>
    /// Once step <paramref name="s"/> is done, rows s·B .. time·B − 1 of the gate gradients are final: the
    /// bias-sum blocks that start in step s are complete. For each, this slice's four gate column ranges
    /// summed over the block's rows in row order (the first row copied, then one IEEE addition per row and
    /// column): SumRows's float partial for those columns, whatever the vector width.
    /// </summary>
    private void SumFinishedBlocks(int s, int first, int count)
    {
        const int rowsPerBlock = Reductions.SumRowsBlock;
        int width = 4 * _units, rows = _time * _batch;
        int b0 = (s * _batch + rowsPerBlock - 1) / rowsPerBlock, b1 = ((s + 1) * _batch + rowsPerBlock - 1) / rowsPerBlock;
        for (int b = b0; b < b1; b++)
        {
            int r0 = b * rowsPerBlock, r1 = Math.Min(rows, r0 + rowsPerBlock);
            for (int q = 0; q < 4; q++)
            {
                int col = q * _units + first;
                float* acc = _biasPartials + (nint)b * width + col;
                new ReadOnlySpan<float>(_dGates + (nint)r0 * width + col, count).CopyTo(new Span<float>(acc, count));
                for (int r = r0 + 1; r < r1; r++) AddInPlace(acc, _dGates + (nint)r * width + col, count);
            }
        }
    }

    /// <summary>Units first .. first + count − 1 of task <paramref name="index"/>: whole slices of <see cref="SliceUnits"/>, or all units as one task.</summary>
    private (int First, int Count) Slice(int index)
    {
        if (_tasks == 1) return (0, _units);
        int slices = _units / SliceUnits;
        int first = index * slices / _tasks * SliceUnits;
        int last = (index + 1) * slices / _tasks * SliceUnits;
        return (first, last - first);
    }

    private void ForwardSlice(float* hPrev, float* cPrev, float* gates, float* c, float* h, float* bias, int first, int count)
    {
        int block = _batch * _units, width = 4 * _units;
        if (bias is not null)
            for (int b = 0; b < _batch; b++)
                for (int q = 0; q < 4; q++)
                    AddInPlace(gates + (nint)b * width + q * _units + first, bias + q * _units + first, count);
        if (hPrev is not null && _tasks == 1)
            Product(_packed!, hPrev, _units, gates, width, block, 4 * block, 0, width, accumulate: true);
        else if (hPrev is not null)
            for (int q = 0; q < 4; q++)
                Product(_packed!, hPrev, _units, gates, width, block, 4 * block, q * _units + first, q * _units + first + count, accumulate: true);
        LstmCell.Forward(new Span<float>(gates, 4 * block), new ReadOnlySpan<float>(cPrev, block), new Span<float>(c, block),
            new Span<float>(h, block), _batch, _units, first, count, _activation, _recurrentActivation);
    }

    private void BackwardSlice(float* dGatesNext, float* dy, float* gates, float* cPrev, float* c, float* dGates, int first, int count)
    {
        int block = _batch * _units, width = 4 * _units;
        if (dGatesNext is not null)
            Product(_packedTransposed!, dGatesNext, width, _dh, _units, 4 * block, block, first, first + count, accumulate: false);
        if (dy is not null)
            for (int b = 0; b < _batch; b++)
                AddInPlace(_dh + (nint)b * _units + first, dy + (nint)b * _dyStride + first, count);
        var dc = new Span<float>(_dc, block);
        LstmCell.Backward(new ReadOnlySpan<float>(gates, 4 * block), new ReadOnlySpan<float>(cPrev, block), new ReadOnlySpan<float>(c, block),
            new ReadOnlySpan<float>(_dh, block), dc, dc, new Span<float>(dGates, 4 * block), _batch, _units, first, count,
            _activation, _recurrentActivation);
    }

    /// <summary>
    /// dst[0..n) += src[0..n), one IEEE addition per element (the bits of TensorPrimitives.Add): a
    /// slice's rows are 32–128 floats, short enough that a library call per row cost more than the adds.
    /// </summary>
    private static void AddInPlace(float* dst, float* src, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; k <= n - 16; k += 16) (Vector512.Load(dst + k) + Vector512.Load(src + k)).Store(dst + k);
        else if (Vector256.IsHardwareAccelerated)
            for (; k <= n - 8; k += 8) (Vector256.Load(dst + k) + Vector256.Load(src + k)).Store(dst + k);
        for (; k < n; k++) dst[k] += src[k];
    }

    /// <summary>C[:, c0..c1] (+)= A·B over all rows, B packed: one column region of the GEMM driver.</summary>
    private void Product(GemmPackedB b, float* a, int lda, float* c, int ldc, long lengthA, long lengthC, int c0, int c1, bool accumulate) =>
        Product(b, a, lda, c, ldc, lengthA, lengthC, c0, c1, accumulate, _batch);

    /// <summary>C[:, c0..c1] (+)= A·B over <paramref name="rows"/> rows, B packed.</summary>
    private static void Product(GemmPackedB b, float* a, int lda, float* c, int ldc, long lengthA, long lengthC, int c0, int c1, bool accumulate, int rows)
    {
        var args = new GemmArgs
        {
            A = a,
            C = c,
            LengthA = lengthA,
            LengthB = b.Floats,
            LengthC = lengthC,
            Lda = lda,
            Ldb = b.PaddedN,
            Ldc = ldc,
            M = rows,
            N = b.N,
            K = b.K,
            Accumulate = accumulate,
        };
        switch (b.Kind)
        {
            case GemmKernelKind.Vector512: GemmDriver<GemmMicroKernel512>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
            case GemmKernelKind.Vector256: GemmDriver<GemmMicroKernel256>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
            case GemmKernelKind.Vector128: GemmDriver<GemmMicroKernel128>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
            default: GemmDriver<GemmMicroKernelScalar>.RunPackedRegion(args, b, 0, rows, c0, c1); break;
        }
    }

    private void Clear()
    {
        _hPrev = _cPrev = _gates = _c = _h = null;
        _dGatesNext = _dy = _dh = _dc = _dGates = _bias = _biasPartials = null;
        _inputs = _dInputs = null;
    }

    private static void Require(int length, int needed, string name)
    {
        if (length < needed)
            throw new ArgumentException($"LSTM steps: {name} holds {length} floats; the step needs {needed}.", name);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _packed?.Dispose();
        _packed = null;
        _packedTransposed?.Dispose();
        _packedTransposed = null;
        _packedInput?.Dispose();
        _packedInput = null;
    }
}
