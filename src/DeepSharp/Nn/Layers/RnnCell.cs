using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's RNN cell contract: the computation of one time step, which <see cref="Rnn"/> runs over a
/// sequence. A cell is a layer: <c>OnBuild(inputShape)</c> creates its weights for a per-step input
/// shape (features); <see cref="StateSize"/> says how many state tensors it carries and their widths;
/// <c>Forward(inputs, states, training)</c> maps one step's inputs (batch, features) and states to
/// the step's output and the new states, with <c>Ops</c>, so autograd gives its backward.
/// Built in: <see cref="SimpleRnnCell"/>, <see cref="LstmCell"/>, <see cref="GruCell"/>,
/// <see cref="StackedRnnCells"/>. A cell may also be stepped by hand, as PyTorch's
/// <c>nn.LSTMCell(x, (h, c))</c>: <see cref="Call(Tensor, IReadOnlyList{Tensor}, bool)"/>;
/// <c>Call(x)</c> steps from zero states and returns the output alone.
/// </summary>
public abstract class RnnCell : Layer
{
    /// <param name="name">The cell's name; null for a Keras-style default ("lstm_cell"). Inside an <see cref="Rnn"/> it prefixes the weights' paths ("rnn/lstm_cell/kernel").</param>
    protected RnnCell(string? name) : base(name, null) { }

    /// <summary>The width of each state tensor, in order (Keras's <c>state_size</c>): [units] for SimpleRNN and GRU, [units, units] (h, c) for LSTM.</summary>
    public abstract IReadOnlyList<int> StateSize { get; }

    /// <summary>The width of each step's output (Keras's <c>output_size</c>); by default the first state's.</summary>
    public virtual int OutputSize => StateSize[0];

    /// <summary>(outputSize) for a per-step input shape (features).</summary>
    /// <exception cref="ShapeMismatchException">The shape is not (features).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 1) throw ShapeError("one step (batch, features)", inputShape);
        return new Shape(OutputSize);
    }

    /// <summary>Zero states for <paramref name="batch"/> rows (Keras's <c>get_initial_state</c>).</summary>
    public IReadOnlyList<Tensor> GetInitialState(int batch)
    {
        var sizes = StateSize;
        var states = new Tensor[sizes.Count];
        for (int k = 0; k < states.Length; k++) states[k] = Tensor.Zeros(batch, sizes[k]);
        return states;
    }

    /// <summary>
    /// Runs one step, building the cell on the first call: <paramref name="inputs"/> (batch, features)
    /// and one (batch, <see cref="StateSize"/>[k]) tensor per state. Returns the step's output and the
    /// new states. Gradients flow into the inputs, the states and the weights.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The inputs are not (batch, features) float32, a state's shape is wrong, or the cell returned tensors of the wrong shapes.</exception>
    /// <exception cref="ArgumentException">The number of states is not <see cref="StateSize"/>'s.</exception>
    public CellStep Call(Tensor inputs, IReadOnlyList<Tensor> states, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(states);
        if (inputs.Rank != 2 || inputs.DType != DType.Float32)
            throw new ShapeMismatchException($"Cell '{Name}' ({TypeName}) steps on inputs (batch, features) float32; got {inputs.Shape} {inputs.DType}.");
        Build(inputs.Shape.WithoutBatch());
        return Step(inputs, states, training);
    }

    /// <summary>One built step with the states and the result checked (what <see cref="Rnn"/> runs at each time step).</summary>
    internal CellStep Step(Tensor inputs, IReadOnlyList<Tensor> states, bool training)
    {
        int batch = inputs.Shape[0];
        CheckStates(states, batch, "takes");
        var step = Forward(inputs, states, training);
        if (step.Output is null || step.Output.Shape != new Shape(batch, OutputSize))
            throw new ShapeMismatchException(
                $"Cell '{Name}' ({TypeName}) returned an output of shape {step.Output?.Shape.ToString() ?? "null"}; its OutputSize says ({batch}, {OutputSize}).");
        CheckStates(step.States, batch, "returned");
        return step;
    }

    /// <summary>The step from zero states, output alone (<c>Call(x)</c>, as PyTorch's cells default to zero states).</summary>
    protected sealed override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 2) throw ShapeError("one step (batch, features)", x.Shape.WithoutBatch());
        return Step(x, GetInitialState(x.Shape[0]), training).Output;
    }

    /// <summary>
    /// The computation of one step (Keras's <c>call(inputs, states)</c>): <paramref name="inputs"/>
    /// (batch, features), <paramref name="states"/> one (batch, <see cref="StateSize"/>[k]) tensor per
    /// state. Return the output (batch, <see cref="OutputSize"/>) and the new states, computed with
    /// <c>Ops</c> so gradients flow.
    /// </summary>
    protected abstract CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training);

    /// <summary>Called by <see cref="Rnn"/> before the first step of a sequence: dropout masks are drawn once per sequence from here on.</summary>
    internal virtual void BeginSequence() { }

    /// <summary>Called by <see cref="Rnn"/> after the last step of a sequence: the sequence's dropout masks are dropped.</summary>
    internal virtual void EndSequence() { }

    private void CheckStates(IReadOnlyList<Tensor>? states, int batch, string verb)
    {
        var sizes = StateSize;
        if (states is null || states.Count != sizes.Count)
            throw new ArgumentException(
                $"Cell '{Name}' ({TypeName}) {verb} {states?.Count ?? 0} state tensor(s); its StateSize [{string.Join(", ", sizes)}] says {sizes.Count}.", nameof(states));
        for (int k = 0; k < sizes.Count; k++)
            if (states[k] is null || states[k].Shape != new Shape(batch, sizes[k]) || states[k].DType != DType.Float32)
                throw new ShapeMismatchException(
                    $"Cell '{Name}' ({TypeName}) {verb} state {k} of shape {states[k]?.Shape.ToString() ?? "null"}; its StateSize says ({batch}, {sizes[k]}) float32.");
    }
}
