using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// RNN in functional graphs: Keras's <c>initial_state</c> call keyword, and calls with
/// several outputs — the output, then the final states — for layers built with returnState.
/// </summary>
public sealed partial class Rnn : IRecurrentDirection
{
    /// <summary>
    /// Applies the layer to a symbolic sequence (batch, time, features) starting from the given
    /// states, as Keras's <c>RNN(cell)(x, initial_state=[h, c])</c>: one (stateSize[k]) tensor per state
    /// (the cell's, in <see cref="RnnCell.StateSize"/> order), e.g. an encoder's final states. Gradients flow back into the layers
    /// that made the states. Returns the output; a layer with returnState returns its states too,
    /// through <see cref="CallWithState(SymbolicTensor, IReadOnlyList{SymbolicTensor}?)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has returnState: true.</exception>
    /// <exception cref="ArgumentException">The number of states is not <see cref="StateCount"/>.</exception>
    /// <exception cref="ShapeMismatchException">A state is not (units) float32.</exception>
    public SymbolicTensor Call(SymbolicTensor x, IReadOnlyList<SymbolicTensor> initialState)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        if (ReturnState) throw ReturnStateError();
        return Record(x, initialState)[0];
    }

    /// <summary>
    /// Applies a layer built with returnState: true to a symbolic sequence, as Keras's
    /// <c>output, h, c = RNN(LSTMCell(64), return_state=True)(x, initial_state=...)</c>: returns the output,
    /// then the final states (the cell's, in <see cref="RnnCell.StateSize"/> order), each (stateSize[k]). Any of them may feed other layers
    /// (an encoder's states as a decoder's initial state) or be a model output. A mask from
    /// Embedding(maskZero) reaches the layer as in a plain call and passes on with the output only
    /// when it is a sequence. <paramref name="initialState"/>: one (stateSize[k]) tensor per state, or null
    /// for zeros.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has returnState: false, so a graph records one output for it.</exception>
    public SymbolicTensor[] CallWithState(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState = null)
    {
        if (!ReturnState) throw RecurrentCalls.NoReturnStateError(this, "has");
        return [.. Record(x, initialState)];
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) => RecurrentCalls.RecordNode(this, inputs, arguments)[0];

    internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, CallArguments arguments, bool training) =>
        RecurrentCalls.RunNode(this, inputs, masks?[0], arguments, training);

    private IReadOnlyList<SymbolicTensor> Record(SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState) => RecurrentCalls.Record(this, x, initialState);

    string IRecurrentCall.StateOrder => $"{StateCount} state(s) of sizes [{string.Join(", ", Cell.StateSize)}]";

    void IRecurrentCall.CheckSequenceShape(Shape shape) => CheckInputShape(shape);

    IReadOnlyList<Tensor> IRecurrentCall.RunCall(Tensor x, Tensor? mask, Tensor[]? states, bool training) =>
        Run(x, mask, states, training, withStates: ReturnState);

    bool IRecurrentDirection.ZeroOutputForMask { get => ZeroOutputForMask; set => ZeroOutputForMask = value; }

    int IRecurrentDirection.OutputWidth => Cell.OutputSize;

    bool IRecurrentDirection.DrawsDropoutMasks => FusedCells.Any(c => c.Dropout > 0f || c.RecurrentDropout > 0f) || RandomSublayers.Any();

    RandomGenerator? IRecurrentDirection.DropoutGenerator =>
        FusedCells.FirstOrDefault(c => c.Dropout > 0f || c.RecurrentDropout > 0f)?.Generator ?? RandomSublayers.FirstOrDefault()?.TrainingGenerator;

    /// <summary>
    /// The built-in cells' masks come from <paramref name="generator"/>, and so do the draws of the random
    /// layers a cell of your own tracks (a Dropout, GaussianNoise, ... sublayer), as Bidirectional shares one
    /// generator between its directions and saves it in checkpoints.
    /// </summary>
    void IRecurrentDirection.ShareGenerator(RandomGenerator generator)
    {
        foreach (var cell in FusedCells) cell.ShareGenerator(generator);
        foreach (var layer in RandomSublayers.ToArray()) layer.ShareTrainingGenerator(generator);
    }

    /// <summary>The layers below the cell, other than built-in cells, that draw from a generator while training (a cell of your own's Dropout).</summary>
    private IEnumerable<Layer> RandomSublayers => Cell.SelfAndSublayers().Where(l => l is not FusedRnnCell && l.TrainingGenerator is not null);

    Tensor IRecurrentDirection.RunOutput(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training) =>
        Run(x, mask, initialState, training, withStates: false)[0];

    IReadOnlyList<Tensor> IRecurrentDirection.RunWithStates(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training) =>
        Run(x, mask, initialState, training, withStates: true);

    /// <summary>The built-in cells among the cell and the cells it stacks.</summary>
    private IEnumerable<FusedRnnCell> FusedCells => Cell.SelfAndSublayers().OfType<FusedRnnCell>();
}
