using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of the built-in cells <see cref="SimpleRnnCell"/>, <see cref="LstmCell"/> and <see cref="GruCell"/>:
/// the weights of the matching layer's cell — kernel (features, gates·units), recurrent_kernel
/// (units, gates·units), bias — under the same names and layout, so <c>new Rnn(new LstmCell(n))</c>
/// and <c>new Lstm(n)</c> given the same weights give the same outputs. A step runs the layer's fused
/// op on one time step; an <see cref="Rnn"/> over one such cell runs the op over the whole sequence,
/// as fast as the layer. Dropout masks are drawn once per sequence inside an <see cref="Rnn"/> and
/// once per call when the cell is stepped by hand.
/// </summary>
public abstract class FusedRnnCell : RnnCell
{
    private readonly CellActivation _activation, _recurrentActivation;
    private RandomGenerator? _generator;
    private Parameter? _kernel, _recurrentKernel, _bias;
    private bool _inSequence;
    private Tensor? _inputMask, _recurrentMask;

    private protected FusedRnnCell(int units, RecurrentOptions options, string? name) : base(name)
    {
        RecurrentOptions.CheckUnits(TypeName, units);
        Units = units;
        Options = options;
        _activation = RecurrentOptions.Fused(TypeName, Activation, "activation");
        _recurrentActivation = RecurrentOptions.Fused(TypeName, RecurrentActivation, "recurrent_activation");
    }

    /// <summary>Size of the state and of each step's output.</summary>
    public int Units { get; }
    /// <summary>The cell's activation (tanh by default).</summary>
    public Activation Activation => Options.Activation;
    /// <summary>The gates' activation (LSTM and GRU; SimpleRNN has none).</summary>
    public Activation RecurrentActivation => Options.RecurrentActivation;
    /// <summary>Whether the cell adds a learned bias.</summary>
    public bool UseBias => Options.UseBias;
    /// <summary>What fills the input kernel (features, gates·units) when the cell is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer => Options.KernelInitializer;
    /// <summary>What fills the recurrent kernel (units, gates·units) when the cell is built (orthogonal by default).</summary>
    public Initializer RecurrentInitializer => Options.RecurrentInitializer;
    /// <summary>What fills the bias when the cell is built (zeros by default).</summary>
    public Initializer BiasInitializer => Options.BiasInitializer;
    /// <summary>The penalty on the input kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer => Options.KernelRegularizer;
    /// <summary>The penalty on the recurrent kernel; null for none.</summary>
    public Regularizer? RecurrentRegularizer => Options.RecurrentRegularizer;
    /// <summary>The penalty on the bias; null for none.</summary>
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
    /// <summary>The seed of the dropout masks' generator; null when it was forked from the global generator.</summary>
    public long? Seed => Options.Seed;

    /// <summary>The activations, initializers, regularizers, constraints and dropout settings (shared with the layers).</summary>
    private protected RecurrentOptions Options { get; }

    /// <summary>The generator of the dropout masks.</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => _generator;

    /// <summary>Uses <paramref name="generator"/> for dropout masks (Bidirectional shares one between its directions).</summary>
    internal void ShareGenerator(RandomGenerator generator) => _generator = generator;

    /// <summary>The weights' gate blocks: 1 (SimpleRNN), 4 (LSTM), 3 (GRU).</summary>
    private protected abstract int Gates { get; }

    private protected virtual Shape BiasShape => new(Gates * Units);

    /// <summary>What fills the bias (LSTM adds its unit forget bias).</summary>
    private protected virtual Initializer BiasFill => BiasInitializer;

    /// <summary>Whether the config carries recurrent_activation (SimpleRNN has no gates).</summary>
    private protected virtual bool HasGates => true;

    /// <summary>The Keras layer that runs this cell over a sequence ("LSTM"), for messages and ONNX export.</summary>
    internal abstract string LayerTypeName { get; }

    /// <summary>Runs the fused op of this cell type.</summary>
    private protected abstract Tensor RunOp(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args);

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank != 1 || inputShape[0] == 0) throw ShapeError("one step (batch, features ≥ 1)", inputShape);
        (_kernel, _recurrentKernel, _bias) = Options.AddWeights(AddWeight, "", new Shape(inputShape[0], Gates * Units), new Shape(Units, Gates * Units),
            BiasShape, BiasFill);
        if (Options.DrawsMasks) _ = Generator;
    }

    /// <summary>One step: the fused op over a sequence of one, from the given states.</summary>
    protected sealed override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training)
    {
        int batch = inputs.Shape[0];
        var x = Ops.Reshape(inputs, batch, 1, inputs.Shape[1]);
        var packed = RunSequence(x, null, states, returnSequences: false, withStates: true, goBackwards: false, zeroOutputForMask: false, training);
        var next = new Tensor[StateSize.Count];
        for (int k = 0; k < next.Length; k++) next[k] = Ops.Reshape(Ops.Slice(packed, 1, 1 + k, 1), batch, Units);
        return new CellStep(Ops.Reshape(Ops.Slice(packed, 1, 0, 1), batch, Units), next);
    }

    /// <summary>
    /// The fused op over a whole sequence x (batch, time, features): the outputs (every step's, or the
    /// last), then with <paramref name="withStates"/> the final states, packed along time — what the
    /// matching recurrent layer runs.
    /// </summary>
    internal Tensor RunSequence(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialStates, bool returnSequences, bool withStates,
        bool goBackwards, bool zeroOutputForMask, bool training)
    {
        int batch = x.Shape[0], features = _kernel!.Shape[0];
        if (x.Shape[2] != features)
            throw new ShapeMismatchException($"Cell '{Name}' ({TypeName}) was built for {features} features; got inputs {x.Shape}.");
        var args = new RecurrentArgs
        {
            Activation = _activation,
            RecurrentActivation = _recurrentActivation,
            ReturnSequences = returnSequences,
            ReturnStates = withStates,
            GoBackwards = goBackwards,
            ZeroOutputForMask = zeroOutputForMask,
            Mask = mask,
            InputDropoutMask = training && Dropout > 0f ? InputMask(batch, features) : null,
            RecurrentDropoutMask = training && RecurrentDropout > 0f ? RecurrentMask(batch) : null,
            InitialStates = initialStates,
        };
        return RunOp(x, _kernel.Value, _recurrentKernel!.Value, _bias?.Value, args);
    }

    internal override void BeginSequence() => _inSequence = true;

    internal override void EndSequence()
    {
        _inSequence = false;
        (_inputMask, _recurrentMask) = (null, null);
    }

    private Tensor InputMask(int batch, int features) => _inSequence
        ? (_inputMask is { } m && m.Shape[0] == batch ? m : _inputMask = RecurrentOptions.DropoutMask(Generator, batch, features, Dropout, temp: false))
        : RecurrentOptions.DropoutMask(Generator, batch, features, Dropout, temp: true);

    private Tensor RecurrentMask(int batch) => _inSequence
        ? (_recurrentMask is { } m && m.Shape[0] == batch ? m : _recurrentMask = RecurrentOptions.DropoutMask(Generator, batch, Units, RecurrentDropout, temp: false))
        : RecurrentOptions.DropoutMask(Generator, batch, Units, RecurrentDropout, temp: true);

    /// <summary>Keras's config keys of the cell.</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        Options.WriteCell(config, Units, HasGates, AddCellConfig);
        return config;
    }

    /// <summary>Adds the cell's own keys (unit_forget_bias, reset_after).</summary>
    private protected virtual void AddCellConfig(JsonObject config) { }
}
