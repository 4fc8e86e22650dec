using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's generic recurrent layer, <c>keras.layers.RNN(cell)</c>: runs an <see cref="RnnCell"/> over
/// inputs (batch, time, features) — a built-in cell (<see cref="SimpleRnnCell"/>, <see cref="LstmCell"/>,
/// <see cref="GruCell"/>), a <see cref="StackedRnnCells"/> (or a list of cells), or a cell of your own.
/// Output (batch, outputSize), or (batch, time, outputSize) with <see cref="ReturnSequences"/>.
/// Masks, <see cref="GoBackwards"/>, <see cref="ZeroOutputForMask"/>, initial states and
/// <see cref="ReturnState"/> behave as in <see cref="RecurrentLayer"/>; the states are the cell's
/// (a stack's flattened in order). Over one built-in cell the layer runs the matching layer's fused
/// op, so <c>new Rnn(new LstmCell(n))</c> gives what <c>new Lstm(n)</c> gives with the same weights;
/// any other cell runs step by step through its <c>Forward</c>, and autograd gives the backward.
/// The cell's weights are the layer's, under "rnn/lstm_cell/kernel".
/// </summary>
public sealed partial class Rnn : Layer
{
    /// <param name="cell">The cell to run at every step; it becomes this layer's (its weights are saved and trained with it). An unnamed cell is given its default name ("lstm_cell").</param>
    /// <param name="returnSequences">Return every step's output (batch, time, outputSize) instead of the last step's (batch, outputSize).</param>
    /// <param name="returnState">Also return the final states; the layer is then called through <c>CallWithState</c>.</param>
    /// <param name="goBackwards">Process the sequence last step first; a returned sequence stays in processing order (Keras).</param>
    /// <param name="stateful">Keras's stateful; only false is supported (every batch starts from its initial state).</param>
    /// <param name="unroll">Keras's unroll: accepted and kept in the config. DeepSharp runs eagerly, so results are the same either way.</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of repeating the previous output.</param>
    /// <param name="name">The layer's name; null for "rnn".</param>
    /// <param name="inputShape">The per-sample input shape (time, features), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cell"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stateful"/> is true, the cell belongs to another layer already, or its state sizes are not positive.</exception>
    public Rnn(RnnCell cell, bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool stateful = false,
        bool unroll = false, bool zeroOutputForMask = false, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (stateful)
            throw new ArgumentException("RNN with stateful=True is not supported: DeepSharp's recurrent layers start every batch from their initial state.", nameof(stateful));
        var sizes = cell.StateSize;
        if (sizes is null || sizes.Count == 0 || sizes.Any(s => s <= 0) || cell.OutputSize <= 0)
            throw new ArgumentException(
                $"RNN: cell '{cell.Name}' ({cell.TypeName}) needs at least one state and positive sizes; got StateSize [{string.Join(", ", sizes ?? [])}], OutputSize {cell.OutputSize}.", nameof(cell));
        if (!cell.HasExplicitName) cell.Name = cell.DefaultNamePrefix;
        Cell = Track(cell);
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Unroll = unroll;
        ZeroOutputForMask = zeroOutputForMask;
    }

    /// <param name="cells">Cells to stack (Keras's <c>RNN([cell1, cell2])</c>): wrapped in a <see cref="StackedRnnCells"/>.</param>
    /// <param name="returnSequences">Return every step's output instead of the last step's.</param>
    /// <param name="returnState">Also return the final states of every cell, flattened in order.</param>
    /// <param name="goBackwards">Process the sequence last step first.</param>
    /// <param name="stateful">Only false is supported.</param>
    /// <param name="unroll">Accepted and kept in the config; results are the same either way.</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of repeating the previous output.</param>
    /// <param name="name">The layer's name; null for "rnn".</param>
    /// <param name="inputShape">The per-sample input shape (time, features); null to build on the first call.</param>
    public Rnn(IReadOnlyList<RnnCell> cells, bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool stateful = false,
        bool unroll = false, bool zeroOutputForMask = false, string? name = null, int[]? inputShape = null)
        : this(new StackedRnnCells(cells), returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "RNN";

    /// <summary>The cell run at every step.</summary>
    public RnnCell Cell { get; }
    /// <summary>Whether the output is every step's, (time, outputSize), rather than the last step's.</summary>
    public bool ReturnSequences { get; }
    /// <summary>Whether the layer returns its final states too; it then runs through <c>CallWithState</c>, and <c>Call</c> refuses it.</summary>
    public bool ReturnState { get; }
    /// <summary>Process the sequence last step first; the returned sequence is in processing order (Keras).</summary>
    public bool GoBackwards { get; }
    /// <summary>Keras's unroll, kept for the config; it changes nothing here.</summary>
    public bool Unroll { get; }
    /// <summary>Masked steps output zeros instead of the previous output (Bidirectional sets it for sequences).</summary>
    public bool ZeroOutputForMask { get; internal set; }

    /// <summary>Number of state tensors the cell carries.</summary>
    public int StateCount => Cell.StateSize.Count;

    /// <summary>True: a (batch, time) mask makes the layer skip the masked steps.</summary>
    public override bool SupportsMasking => true;

    /// <summary>Keras's rule: the mask passes on with the sequence; a last output has none.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask) => ReturnSequences ? mask : null;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        CheckInputShape(inputShape);
        Cell.Build(new Shape(inputShape[1]));
    }

    /// <summary>(time, outputSize) with <see cref="ReturnSequences"/>, else (outputSize).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time ≥ 1, features).</exception>
    /// <exception cref="InvalidOperationException">The layer has <see cref="ReturnState"/>; use <see cref="ComputeOutputShapes"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckInputShape(inputShape);
        if (ReturnState) throw ReturnStateError();
        return OutputShape(inputShape);
    }

    /// <summary>The per-sample shapes <c>CallWithState</c> returns: the output, then each state (stateSize[k]).</summary>
    public IReadOnlyList<Shape> ComputeOutputShapes(Shape inputShape)
    {
        CheckInputShape(inputShape);
        var shapes = new List<Shape> { OutputShape(inputShape) };
        foreach (int size in Cell.StateSize) shapes.Add(new Shape(size));
        return shapes;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Forward(x, null, training);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (ReturnState) throw ReturnStateError();
        return Run(x, mask, null, training, withStates: false)[0];
    }

    /// <summary>
    /// Runs the layer and returns the output followed by the final states, each (batch, stateSize[k]).
    /// <paramref name="initialState"/>: one tensor per state, zeros when null (Keras's initial_state).
    /// <paramref name="mask"/>: (batch, time), or null.
    /// </summary>
    public IReadOnlyList<Tensor> CallWithState(Tensor x, Tensor? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        return Run(x, mask, initialState, training, withStates: true);
    }

    /// <summary>Checks the call and runs the cell over the sequence: the output, then with <paramref name="withStates"/> the final states.</summary>
    private IReadOnlyList<Tensor> Run(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training, bool withStates)
    {
        int features = BuiltInputShape!.Value[1];
        if (x.Rank != 3 || x.Shape[2] != features || x.Shape[1] == 0 || x.DType != DType.Float32)
            throw ShapeError($"float (batch, time ≥ 1, {features})", x.Rank == 0 ? x.Shape : x.Shape.WithoutBatch());
        int batch = x.Shape[0];
        RecurrentCalls.CheckMask(this, x, mask);
        CheckInitialState(initialState, batch);
        return Cell is FusedRnnCell fused
            ? RunFused(fused, x, mask, initialState, training, withStates)
            : RunSteps(x, mask, initialState, training, withStates);
    }

    /// <summary>One built-in cell: the matching layer's fused op over the whole sequence.</summary>
    private IReadOnlyList<Tensor> RunFused(FusedRnnCell cell, Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training, bool withStates)
    {
        var packed = cell.RunSequence(x, mask, initialState, ReturnSequences, withStates, GoBackwards, ZeroOutputForMask, training);
        int batch = x.Shape[0], units = cell.Units, steps = ReturnSequences ? x.Shape[1] : 1;
        if (!withStates) return [ReturnSequences ? packed : Ops.Reshape(packed, batch, units)];
        var outputs = new Tensor[1 + StateCount];
        var sequence = Ops.Slice(packed, 1, 0, steps);
        outputs[0] = ReturnSequences ? sequence : Ops.Reshape(sequence, batch, units);
        for (int k = 0; k < StateCount; k++) outputs[1 + k] = Ops.Reshape(Ops.Slice(packed, 1, steps + k, 1), batch, units);
        return outputs;
    }

    private Shape OutputShape(Shape inputShape) => ReturnSequences ? new Shape(inputShape[0], Cell.OutputSize) : new Shape(Cell.OutputSize);

    private void CheckInputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2 || inputShape[0] == 0 || inputShape[1] == 0) throw ShapeError("(batch, time ≥ 1, features ≥ 1)", inputShape);
    }

    private void CheckInitialState(IReadOnlyList<Tensor>? initialState, int batch)
    {
        if (initialState is null) return;
        var sizes = Cell.StateSize;
        if (initialState.Count != sizes.Count)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes {sizes.Count} initial state tensor(s) for cell '{Cell.Name}' ({Cell.TypeName}); got {initialState.Count}.", nameof(initialState));
        for (int k = 0; k < sizes.Count; k++)
        {
            var s = initialState[k];
            if (s is null || s.Shape != new Shape(batch, sizes[k]) || s.DType != DType.Float32)
                throw new ShapeMismatchException(
                    $"Layer '{Name}' ({TypeName}) needs initial state {k} of shape ({batch}, {sizes[k]}) float32; got {s?.Shape.ToString() ?? "null"} {s?.DType}.");
        }
    }

    private InvalidOperationException ReturnStateError() => RecurrentCalls.ReturnStateError(this, "has");
}
