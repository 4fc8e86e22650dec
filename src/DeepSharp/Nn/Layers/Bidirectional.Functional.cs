using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Bidirectional in functional graphs: Keras's <c>initial_state</c> (the forward states, then the
/// backward ones) and, with returnState, calls whose outputs are the merged output, the forward
/// states and the backward states.
/// </summary>
public sealed partial class Bidirectional
{
    /// <summary>
    /// Applies both directions to a symbolic sequence starting from the given states, as Keras's
    /// <c>Bidirectional(LSTM(64))(x, initial_state=[h_f, c_f, h_b, c_b])</c>: the forward layer's
    /// states, then the backward layer's, each (units). Returns the merged output.
    /// </summary>
    /// <exception cref="InvalidOperationException">The wrapped layer has returnState: true.</exception>
    /// <exception cref="ArgumentException">The number of states is not the two directions' state count.</exception>
    /// <exception cref="ShapeMismatchException">A state is not (units) float32.</exception>
    public SymbolicTensor Call(SymbolicTensor x, IReadOnlyList<SymbolicTensor> initialState)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        if (ReturnState) throw ReturnStateError();
        return Record(x, initialState)[0];
    }

    /// <summary>
    /// Applies a Bidirectional whose layer has returnState: true to a symbolic sequence, as Keras's
    /// <c>output, h_f, c_f, h_b, c_b = Bidirectional(LSTM(64, return_state=True))(x)</c>: returns the
    /// merged output, the forward states, then the backward states, each (units). Concatenate the
    /// two directions' states to start a decoder of twice the units. <paramref name="initialState"/>:
    /// the forward then the backward states, or null for zeros.
    /// </summary>
    /// <exception cref="InvalidOperationException">The wrapped layer has returnState: false.</exception>
    public SymbolicTensor[] CallWithState(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState = null)
    {
        if (!ReturnState) throw RecurrentCalls.NoReturnStateError(this, "wraps a layer with");
        return [.. Record(x, initialState)];
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) => RecordNode(inputs, arguments)[0];

    /// <summary>Runs a recorded call: the merged output (and with returnState the states of both directions).</summary>
    internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, Tensor? mask, CallArguments arguments, bool training)
    {
        var (start, count) = RecurrentCalls.Parse(this, inputs.Count, arguments);
        var x = inputs[0];
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        var outputs = Run(x, mask, RecurrentCalls.States(inputs, start, count), training, withStates: ReturnState);
        return (outputs, ReturnSequences ? mask : null);
    }

    private IReadOnlyList<SymbolicTensor> Record(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState) =>
        RecordNode(RecurrentCalls.Inputs(this, x, initialState), RecurrentCalls.WithInitialState(initialState?.Count ?? 0));

    /// <summary>Builds the layer, checks the initial states and records the call: one output, or the output and both directions' states.</summary>
    private IReadOnlyList<SymbolicTensor> RecordNode(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        var (start, count) = RecurrentCalls.Parse(this, inputs.Count, arguments);
        var shape = inputs[0].Shape;
        if (shape.Rank != 2 || shape[0] == 0) throw ShapeError("(batch, time ≥ 1, features)", shape);
        Build(shape);
        var shapes = ComputeOutputShapes(shape);
        if (start >= 0)
        {
            string order = ForwardLayer.StateCount == 2 ? "forward h, c, then backward h, c" : "forward h, then backward h";
            RecurrentCalls.CheckStates(this, inputs, start, count, [.. shapes.Skip(1)], order);
        }
        return RecordCall(inputs, arguments, ReturnState ? shapes : [shapes[0]]);
    }
}
