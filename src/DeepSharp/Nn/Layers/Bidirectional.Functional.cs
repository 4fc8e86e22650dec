using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Bidirectional in functional graphs: Keras's <c>initial_state</c> (the forward states, then the
/// backward ones) and, with returnState, calls whose outputs are the merged output, the forward
/// states and the backward states.
/// </summary>
public sealed partial class Bidirectional : IRecurrentCall
{
    /// <summary>
    /// Applies both directions to a symbolic sequence starting from the given states, as Keras's
    /// <c>Bidirectional(LSTM(64))(x, initial_state=[h_f, c_f, h_b, c_b])</c>: the forward layer's
    /// states, then the backward layer's, each (units). Returns the merged output.
    /// </summary>
    /// <exception cref="InvalidOperationException">The wrapped layer has returnState: true, or the merge mode is None.</exception>
    /// <exception cref="ArgumentException">The number of states is not the two directions' state count.</exception>
    /// <exception cref="ShapeMismatchException">A state is not (units) float32.</exception>
    public SymbolicTensor Call(SymbolicTensor x, IReadOnlyList<SymbolicTensor> initialState)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        if (SeveralOutputs) throw ReturnStateError();
        return Record(x, initialState)[0];
    }

    /// <summary>
    /// Applies a Bidirectional whose layer has returnState: true to a symbolic sequence, as Keras's
    /// <c>output, h_f, c_f, h_b, c_b = Bidirectional(LSTM(64, return_state=True))(x)</c>: returns the
    /// merged output, the forward states, then the backward states, each (units). Concatenate the
    /// two directions' states to start a decoder of twice the units. With <see cref="MergeMode.None"/>
    /// (Keras's <c>merge_mode=None</c>) the merged output is replaced by two, the forward output then the
    /// backward one in time order, with or without the states after them. <paramref name="initialState"/>:
    /// the forward then the backward states, or null for zeros.
    /// </summary>
    /// <exception cref="InvalidOperationException">The wrapped layer has returnState: false and the merge mode is not None.</exception>
    public SymbolicTensor[] CallWithState(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState = null)
    {
        if (!SeveralOutputs) throw RecurrentCalls.NoReturnStateError(this, "wraps a layer with");
        return [.. Record(x, initialState)];
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) => RecurrentCalls.RecordNode(this, inputs, arguments)[0];

    internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, CallArguments arguments, bool training) =>
        RecurrentCalls.RunNode(this, inputs, masks?[0], arguments, training);

    private IReadOnlyList<SymbolicTensor> Record(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState) => RecurrentCalls.Record(this, x, initialState);

    int IRecurrentCall.OutputCount => OutputCount;

    string IRecurrentCall.StateOrder => $"forward {_forward.StateOrder}, then backward {_backward.StateOrder}";

    void IRecurrentCall.CheckSequenceShape(Shape shape) => CheckSequenceShape(shape);

    /// <summary>The wrapped layer's check of a per-sample input shape, in this layer's name.</summary>
    private void CheckSequenceShape(Shape shape)
    {
        try
        {
            _forward.CheckSequenceShape(shape);
        }
        catch (ShapeMismatchException e)
        {
            throw new ShapeMismatchException($"Layer '{Name}' (Bidirectional) wraps '{ForwardLayer.Name}' ({ForwardLayer.TypeName}): {e.Message}", e);
        }
    }

    IReadOnlyList<Tensor> IRecurrentCall.RunCall(Tensor x, Tensor? mask, Tensor[]? states, bool training) =>
        Run(x, mask, states, training, withStates: ReturnState);
}
