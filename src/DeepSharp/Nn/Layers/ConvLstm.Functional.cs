using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// ConvLSTM layers in functional graphs, as <see cref="RecurrentLayer"/>: Keras's <c>initial_state</c>
/// call keyword, and calls that return the output, then h and c, for layers built with returnState.
/// </summary>
public abstract partial class ConvLstm : IRecurrentDirection
{
    /// <summary>
    /// Applies the layer to a symbolic sequence (batch, time, spatial…, channels) starting from the given
    /// states h and c, each (out…, filters), as Keras's <c>ConvLSTM2D(...)(x, initial_state=[h, c])</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has returnState: true.</exception>
    /// <exception cref="ArgumentException">Not two states.</exception>
    /// <exception cref="ShapeMismatchException">A state is not (out…, filters) float32.</exception>
    public SymbolicTensor Call(SymbolicTensor x, IReadOnlyList<SymbolicTensor> initialState)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        if (ReturnState) throw RecurrentCalls.ReturnStateError(this, "has");
        return RecurrentCalls.Record(this, x, initialState)[0];
    }

    /// <summary>
    /// Applies a layer built with returnState: true to a symbolic sequence, as Keras's
    /// <c>output, h, c = ConvLSTM2D(..., return_state=True)(x)</c>: returns the output, then h and c,
    /// each (out…, filters). <paramref name="initialState"/>: h and c, or null for zeros.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has returnState: false.</exception>
    public SymbolicTensor[] CallWithState(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState = null)
    {
        if (!ReturnState) throw RecurrentCalls.NoReturnStateError(this, "has");
        return [.. RecurrentCalls.Record(this, x, initialState)];
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) => RecurrentCalls.RecordNode(this, inputs, arguments)[0];

    internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, CallArguments arguments, bool training) =>
        RecurrentCalls.RunNode(this, inputs, masks?[0], arguments, training);

    string IRecurrentCall.StateOrder => "h, c";

    void IRecurrentCall.CheckSequenceShape(Shape shape) => CheckInputShape(shape);

    IReadOnlyList<Tensor> IRecurrentCall.RunCall(Tensor x, Tensor? mask, Tensor[]? states, bool training) =>
        ReturnState ? RunWithStates(x, mask, states, training) : [RunOutput(x, mask, states, training)];

    int IRecurrentDirection.StateCount => 2;

    bool IRecurrentDirection.ZeroOutputForMask { get => ZeroOutputForMask; set => ZeroOutputForMask = value; }

    int IRecurrentDirection.OutputWidth => Filters;

    bool IRecurrentDirection.DrawsDropoutMasks => Dropout > 0f || RecurrentDropout > 0f;

    RandomGenerator? IRecurrentDirection.DropoutGenerator => Generator;

    void IRecurrentDirection.ShareGenerator(RandomGenerator generator) => _generator = generator;

    Tensor IRecurrentDirection.RunOutput(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training) => RunOutput(x, mask, initialState, training);

    IReadOnlyList<Tensor> IRecurrentDirection.RunWithStates(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training) =>
        RunWithStates(x, mask, initialState, training);
}
