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

/// <summary>
/// Runs the time steps of one LSTM sequence, forward or backward, with each step's recurrent
/// product and cell fused per slice of units and the slices spread over <see cref="WorkerPool.Shared"/>.
/// Holds U (forward) or Uᵀ (backward) packed for the sequence; dispose it when the sequence is done.
/// </summary>
internal sealed unsafe class LstmSteps : IParallelBody, IDisposable
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

    /// <inheritdoc />
    public void Execute(int index)
    {
        int slices = _units / SliceUnits;
        int first = _tasks == 1 ? 0 : index * slices / _tasks * SliceUnits;
        int last = _tasks == 1 ? _units : (index + 1) * slices / _tasks * SliceUnits;
        if (_backward) BackwardSlice(first, last - first);
        else ForwardSlice(first, last - first);
    }

    private void ForwardSlice(int first, int count)
    {
        int block = _batch * _units, width = 4 * _units;
        if (_hPrev is not null && _tasks == 1)
            Product(_packed!, _hPrev, _units, _gates, width, block, 4 * block, 0, width, accumulate: true);
        else if (_hPrev is not null)
            for (int q = 0; q < 4; q++)
                Product(_packed!, _hPrev, _units, _gates, width, block, 4 * block, q * _units + first, q * _units + first + count, accumulate: true);
        LstmCell.Forward(new Span<float>(_gates, 4 * block), new ReadOnlySpan<float>(_cPrev, block), new Span<float>(_c, block),
            new Span<float>(_h, block), _batch, _units, first, count, _activation, _recurrentActivation);
    }

    private void BackwardSlice(int first, int count)
    {
        int block = _batch * _units, width = 4 * _units;
        if (_dGatesNext is not null)
            Product(_packedTransposed!, _dGatesNext, width, _dh, _units, 4 * block, block, first, first + count, accumulate: false);
        if (_dy is not null)
            for (int b = 0; b < _batch; b++)
            {
                var row = new Span<float>(_dh + b * _units + first, count);
                System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(_dy + (nint)b * _dyStride + first, count), row);
            }
        var dc = new Span<float>(_dc, block);
        LstmCell.Backward(new ReadOnlySpan<float>(_gates, 4 * block), new ReadOnlySpan<float>(_cPrev, block), new ReadOnlySpan<float>(_c, block),
            new ReadOnlySpan<float>(_dh, block), dc, dc, new Span<float>(_dGates, 4 * block), _batch, _units, first, count,
            _activation, _recurrentActivation);
    }

    /// <summary>C[:, c0..c1] (+)= A·B over all rows, B packed: one column region of the GEMM driver.</summary>
    private void Product(GemmPackedB b, float* a, int lda, float* c, int ldc, long lengthA, long lengthC, int c0, int c1, bool accumulate)
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
            M = _batch,
            N = b.N,
            K = b.K,
            Accumulate = accumulate,
        };
        switch (b.Kind)
        {
            case GemmKernelKind.Vector512: GemmDriver<GemmMicroKernel512>.RunPackedRegion(args, b, 0, _batch, c0, c1); break;
            case GemmKernelKind.Vector256: GemmDriver<GemmMicroKernel256>.RunPackedRegion(args, b, 0, _batch, c0, c1); break;
            case GemmKernelKind.Vector128: GemmDriver<GemmMicroKernel128>.RunPackedRegion(args, b, 0, _batch, c0, c1); break;
            default: GemmDriver<GemmMicroKernelScalar>.RunPackedRegion(args, b, 0, _batch, c0, c1); break;
        }
    }

    private void Clear()
    {
        _hPrev = _cPrev = _gates = _c = _h = null;
        _dGatesNext = _dy = _dh = _dc = _dGates = null;
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
    }
}
