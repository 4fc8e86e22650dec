using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of Keras's recurrent layers (<see cref="SimpleRnn"/>, <see cref="Lstm"/>, <see cref="Gru"/>)
/// over inputs (batch, time, features). Output (batch, units), or (batch, time, units) with
/// <see cref="ReturnSequences"/>. Weights in Keras's layout and names ("lstm/lstm_cell/kernel").
/// <list type="bullet">
/// <item>A (batch, time) mask — from <see cref="Embedding"/> with maskZero, or passed with
/// <c>Call(x, mask)</c> — skips steps: the states are carried over and the output repeats the previous
/// output (zeros before the first step, or always with <see cref="ZeroOutputForMask"/>).</item>
/// <item>dropout and recurrentDropout draw one mask per sequence while training — (batch, features)
/// for the inputs, (batch, units) for the state in h·U — reused at every step and by every gate
/// (Gal &amp; Ghahramani; Keras 3's LSTM form).</item>
/// <item><see cref="ReturnState"/>: the layer returns its final states too, so it runs through
/// <c>CallWithState</c> — on tensors, or on symbolic tensors in a functional model, where the states
/// are outputs of the call (RecurrentLayer.Functional.cs). Initial states: <c>CallWithState(x, mask,
/// initialState)</c> on tensors, <c>Call(x, initialState)</c> or <c>CallWithState(x, initialState)</c>
/// in graphs. <c>Call</c> and Sequential models refuse returnState rather than drop
/// the states.</item>
/// </list>
/// Activations are limited to tanh, sigmoid, relu and linear (the fused cells' derivatives).
/// </summary>
public abstract partial class RecurrentLayer : Layer
{
    private readonly CellActivation _activation, _recurrentActivation;
    private RandomGenerator? _generator;
    private Parameter? _kernel, _recurrentKernel, _bias;

    private protected RecurrentLayer(Settings s) : base(s.Name, s.InputShape)
    {
        RecurrentOptions.CheckUnits(TypeName, s.Units);
        Units = s.Units;
        Options = s.Options;
        _activation = RecurrentOptions.Fused(TypeName, Activation, "activation");
        _recurrentActivation = RecurrentOptions.Fused(TypeName, RecurrentActivation, "recurrent_activation");
        ReturnSequences = s.ReturnSequences;
        ReturnState = s.ReturnState;
        GoBackwards = s.GoBackwards;
        ZeroOutputForMask = s.ZeroOutputForMask;
        ActivityRegularizer = s.ActivityRegularizer;
    }

    /// <summary>Size of the state and of each step's output.</summary>
    public int Units { get; }
    /// <summary>The cell's activation (tanh by default).</summary>
    public Activation Activation => Options.Activation;
    /// <summary>The gates' activation (LSTM and GRU; SimpleRNN has none).</summary>
    public Activation RecurrentActivation => Options.RecurrentActivation;
    /// <summary>Whether the cell adds a learned bias.</summary>
    public bool UseBias => Options.UseBias;
    /// <summary>What fills the input kernel (features, gates·units) when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer => Options.KernelInitializer;
    /// <summary>What fills the recurrent kernel (units, gates·units) when the layer is built (orthogonal by default).</summary>
    public Initializer RecurrentInitializer => Options.RecurrentInitializer;
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer => Options.BiasInitializer;
    /// <summary>The penalty on the input kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer => Options.KernelRegularizer;
    /// <summary>The penalty on the recurrent kernel added to the training loss; null for none.</summary>
    public Regularizer? RecurrentRegularizer => Options.RecurrentRegularizer;
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer => Options.BiasRegularizer;
    /// <summary>The projection applied to the input kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint => Options.KernelConstraint;
    /// <summary>The projection applied to the recurrent kernel after each optimizer step; null for none.</summary>
    public Constraint? RecurrentConstraint => Options.RecurrentConstraint;
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint => Options.BiasConstraint;
    /// <summary>Fraction of the input features dropped while training (one mask per sequence).</summary>
    public float Dropout => Options.Dropout;
    /// <summary>Fraction of the state's units dropped in h·U while training (one mask per sequence).</summary>
    public float RecurrentDropout => Options.RecurrentDropout;
    /// <summary>Whether the output is every step's, (time, units), rather than the last step's, (units).</summary>
    public bool ReturnSequences { get; }
    /// <summary>Whether the layer returns its final states too; it then runs through <c>CallWithState</c>, and <c>Call</c> refuses it.</summary>
    public bool ReturnState { get; }
    /// <summary>Process the sequence last step first; the returned sequence is in processing order (Keras).</summary>
    public bool GoBackwards { get; }
    /// <summary>Masked steps output zeros instead of the previous output (Bidirectional sets it for sequences).</summary>
    public bool ZeroOutputForMask { get; internal set; }
    /// <summary>The seed of the dropout masks' generator; null when it was forked from the global generator.</summary>
    public long? Seed => Options.Seed;

    /// <summary>The activations, initializers, regularizers, constraints and dropout settings (shared with the cells and ConvLSTM).</summary>
    private protected RecurrentOptions Options { get; }

    /// <summary>Number of state tensors: 1 (h), or 2 for LSTM (h, c).</summary>
    public abstract int StateCount { get; }

    /// <summary>The generator of the dropout masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => _generator;

    /// <summary>True: a (batch, time) mask makes the layer skip the masked steps.</summary>
    public override bool SupportsMasking => true;

    /// <summary>Keras's rule: the mask passes on with the sequence; a last output has none.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask) => ReturnSequences ? mask : null;

    /// <summary>Gates per step: 1 (SimpleRNN), 4 (LSTM), 3 (GRU).</summary>
    private protected abstract int Gates { get; }

    /// <summary>Keras's cell name, the weights' prefix: "lstm_cell".</summary>
    private protected abstract string CellName { get; }

    private protected virtual Shape BiasShape => new(Gates * Units);

    /// <summary>What fills the bias (LSTM adds its unit forget bias).</summary>
    private protected virtual Initializer BiasFill => BiasInitializer;

    /// <summary>Runs the fused op of this cell type.</summary>
    private protected abstract Tensor RunCell(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args);

    /// <summary>Uses <paramref name="generator"/> for dropout masks (Bidirectional shares one between its directions).</summary>
    internal void ShareGenerator(RandomGenerator generator) => _generator = generator;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        CheckInputShape(inputShape);
        (_kernel, _recurrentKernel, _bias) = Options.AddWeights(AddWeight, CellName + "/", new Shape(inputShape[1], Gates * Units),
            new Shape(Units, Gates * Units), BiasShape, BiasFill);
        if (Options.DrawsMasks) _ = Generator;
    }

    /// <summary>(time, units) with <see cref="ReturnSequences"/>, else (units).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time ≥ 1, features).</exception>
    /// <exception cref="InvalidOperationException">The layer has <see cref="ReturnState"/>; use <see cref="ComputeOutputShapes"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckInputShape(inputShape);
        if (ReturnState) throw ReturnStateError();
        return ReturnSequences ? new Shape(inputShape[0], Units) : new Shape(Units);
    }

    /// <summary>The per-sample shapes <c>CallWithState</c> returns: the output, then each state (units,).</summary>
    public IReadOnlyList<Shape> ComputeOutputShapes(Shape inputShape)
    {
        CheckInputShape(inputShape);
        var shapes = new List<Shape> { ReturnSequences ? new Shape(inputShape[0], Units) : new Shape(Units) };
        for (int k = 0; k < StateCount; k++) shapes.Add(new Shape(Units));
        return shapes;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Forward(x, null, training);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (ReturnState) throw ReturnStateError();
        return RunOutput(x, mask, null, training);
    }

    /// <summary>
    /// Runs the layer and returns the output followed by the final states (h; h and c for LSTM),
    /// each (batch, units). <paramref name="initialState"/>: one (batch, units) tensor per state,
    /// zeros when null (Keras's initial_state). <paramref name="mask"/>: (batch, time), or null.
    /// </summary>
    public IReadOnlyList<Tensor> CallWithState(Tensor x, Tensor? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        return RunWithStates(x, mask, initialState, training);
    }

    /// <summary>The output alone, from <paramref name="initialState"/> (null: zeros).</summary>
    internal Tensor RunOutput(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
    {
        var packed = RunPacked(x, mask, initialState, training, withStates: false);
        return WithActivityPenalty(ReturnSequences ? packed : Ops.Reshape(packed, x.Shape[0], Units));
    }

    /// <summary>The output, then the final states.</summary>
    internal IReadOnlyList<Tensor> RunWithStates(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
    {
        var packed = RunPacked(x, mask, initialState, training, withStates: true);
        int batch = x.Shape[0], steps = ReturnSequences ? x.Shape[1] : 1;
        var outputs = new Tensor[1 + StateCount];
        var sequence = Ops.Slice(packed, 1, 0, steps);
        outputs[0] = ReturnSequences ? sequence : Ops.Reshape(sequence, batch, Units);
        for (int k = 0; k < StateCount; k++) outputs[1 + k] = Ops.Reshape(Ops.Slice(packed, 1, steps + k, 1), batch, Units);
        WithActivityPenalty(outputs); // Keras's __call__ penalises every tensor a call returns: the states too
        return outputs;
    }

    /// <summary>Checks the call and runs the op: the outputs, then (with <paramref name="withStates"/>) the final states, packed along time.</summary>
    private Tensor RunPacked(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training, bool withStates)
    {
        int features = _kernel!.Shape[0];
        if (x.Rank != 3 || x.Shape[2] != features || x.Shape[1] == 0 || x.DType != DType.Float32)
            throw ShapeError($"float (batch, time ≥ 1, {features})", x.Rank == 0 ? x.Shape : x.Shape.WithoutBatch());
        int batch = x.Shape[0];
        RecurrentCalls.CheckMask(this, x, mask);
        CheckInitialState(initialState, batch);
        var args = new RecurrentArgs
        {
            Activation = _activation,
            RecurrentActivation = _recurrentActivation,
            ReturnSequences = ReturnSequences,
            ReturnStates = withStates,
            GoBackwards = GoBackwards,
            ZeroOutputForMask = ZeroOutputForMask,
            Mask = mask,
            InputDropoutMask = training && Dropout > 0f ? RecurrentOptions.DropoutMask(Generator, batch, features, Dropout, temp: true) : null,
            RecurrentDropoutMask = training && RecurrentDropout > 0f ? RecurrentOptions.DropoutMask(Generator, batch, Units, RecurrentDropout, temp: true) : null,
            InitialStates = initialState,
        };
        return RunCell(x, _kernel.Value, _recurrentKernel!.Value, _bias?.Value, args);
    }

    private void CheckInputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2 || inputShape[0] == 0) throw ShapeError("(batch, time ≥ 1, features)", inputShape);
    }

    private void CheckInitialState(IReadOnlyList<Tensor>? initialState, int batch)
    {
        if (initialState is null) return;
        if (initialState.Count != StateCount)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes {StateCount} initial state tensor(s); got {initialState.Count}.", nameof(initialState));
        foreach (var s in initialState)
            if (s.Shape != new Shape(batch, Units) || s.DType != DType.Float32)
                throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs initial states (batch, units) = ({batch}, {Units}); got {s.Shape} {s.DType}.");
    }

    private InvalidOperationException ReturnStateError() => RecurrentCalls.ReturnStateError(this, "has");
}
