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

    private protected FusedRnnCell(int units, Activation? activation, Activation? recurrentActivation, bool useBias,
        Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? recurrentRegularizer, Regularizer? biasRegularizer,
        Constraint? kernelConstraint, Constraint? recurrentConstraint, Constraint? biasConstraint,
        float dropout, float recurrentDropout, long? seed, string? name) : base(name)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{TypeName} needs a positive number of units.");
        if (4L * units > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(units), units, $"{TypeName} units must be at most {int.MaxValue / 4}.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{TypeName} dropout must be in [0, 1).");
        if (!(recurrentDropout >= 0f && recurrentDropout < 1f))
            throw new ArgumentOutOfRangeException(nameof(recurrentDropout), recurrentDropout, $"{TypeName} recurrent_dropout must be in [0, 1).");
        Units = units;
        Activation = activation ?? Activation.Tanh;
        RecurrentActivation = recurrentActivation ?? Activation.Sigmoid;
        _activation = CellActivationOf(Activation, "activation");
        _recurrentActivation = CellActivationOf(RecurrentActivation, "recurrent_activation");
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        RecurrentInitializer = recurrentInitializer ?? Initializer.Orthogonal;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, RecurrentRegularizer, BiasRegularizer) = (kernelRegularizer, recurrentRegularizer, biasRegularizer);
        (KernelConstraint, RecurrentConstraint, BiasConstraint) = (kernelConstraint, recurrentConstraint, biasConstraint);
        Dropout = dropout;
        RecurrentDropout = recurrentDropout;
        Seed = seed;
    }

    /// <summary>Size of the state and of each step's output.</summary>
    public int Units { get; }
    /// <summary>The cell's activation (tanh by default).</summary>
    public Activation Activation { get; }
    /// <summary>The gates' activation (LSTM and GRU; SimpleRNN has none).</summary>
    public Activation RecurrentActivation { get; }
    /// <summary>Whether the cell adds a learned bias.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the input kernel (features, gates·units) when the cell is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the recurrent kernel (units, gates·units) when the cell is built (orthogonal by default).</summary>
    public Initializer RecurrentInitializer { get; }
    /// <summary>What fills the bias when the cell is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the input kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>The penalty on the recurrent kernel; null for none.</summary>
    public Regularizer? RecurrentRegularizer { get; }
    /// <summary>The penalty on the bias; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the input kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>The projection applied to the recurrent kernel after each optimizer step; null for none.</summary>
    public Constraint? RecurrentConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }
    /// <summary>Fraction of the input features dropped while training (one mask per sequence).</summary>
    public float Dropout { get; }
    /// <summary>Fraction of the state's units dropped in h·U while training (one mask per sequence).</summary>
    public float RecurrentDropout { get; }
    /// <summary>The seed of the dropout masks' generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the dropout masks.</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => _generator;

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
        _kernel = AddWeight("kernel", new Shape(inputShape[0], Gates * Units), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Gates * Units), RecurrentInitializer, true, RecurrentRegularizer, RecurrentConstraint);
        if (UseBias) _bias = AddWeight("bias", BiasShape, BiasFill, true, BiasRegularizer, BiasConstraint);
        if (Dropout > 0f || RecurrentDropout > 0f) _ = Generator;
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

    private Tensor InputMask(int batch, int features) =>
        _inSequence ? (_inputMask is { } m && m.Shape[0] == batch ? m : _inputMask = DropoutMask(batch, features, Dropout, temp: false)) : DropoutMask(batch, features, Dropout, temp: true);

    private Tensor RecurrentMask(int batch) =>
        _inSequence ? (_recurrentMask is { } m && m.Shape[0] == batch ? m : _recurrentMask = DropoutMask(batch, Units, RecurrentDropout, temp: false)) : DropoutMask(batch, Units, RecurrentDropout, temp: true);

    /// <summary>Inverted-dropout values: 0 with probability <paramref name="rate"/>, else 1/(1 − rate).</summary>
    private Tensor DropoutMask(int rows, int cols, float rate, bool temp)
    {
        var mask = temp ? Tensor.Temp(new Shape(rows, cols)) : Tensor.Zeros(rows, cols);
        var m = mask.Span;
        float keep = 1f / (1f - rate);
        var generator = Generator;
        for (int i = 0; i < m.Length; i++) m[i] = generator.NextFloat() >= rate ? keep : 0f;
        return mask;
    }

    private CellActivation CellActivationOf(Activation activation, string role) => activation.Name switch
    {
        "linear" => CellActivation.Linear,
        "tanh" => CellActivation.Tanh,
        "sigmoid" => CellActivation.Sigmoid,
        "relu" => CellActivation.Relu,
        _ => throw new ArgumentException($"{TypeName} {role} '{activation.Name}' is not supported by the recurrent cells; use tanh, sigmoid, relu or linear."),
    };

    /// <summary>Keras's config keys of the cell.</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        if (HasGates) config["recurrent_activation"] = RecurrentActivation.Name;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["recurrent_initializer"] = RecurrentInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "recurrent_regularizer", RecurrentRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "recurrent_constraint", RecurrentConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        AddCellConfig(config);
        config["dropout"] = Dropout;
        config["recurrent_dropout"] = RecurrentDropout;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    /// <summary>Adds the cell's own keys (unit_forget_bias, reset_after).</summary>
    private protected virtual void AddCellConfig(JsonObject config) { }

    /// <summary>The keys every built-in cell's config holds, with Keras's defaults.</summary>
    private protected readonly record struct CellSettings(
        int Units, Activation Activation, Activation RecurrentActivation, bool UseBias,
        Initializer KernelInitializer, Initializer RecurrentInitializer, Initializer BiasInitializer,
        Regularizer? KernelRegularizer, Regularizer? RecurrentRegularizer, Regularizer? BiasRegularizer,
        Constraint? KernelConstraint, Constraint? RecurrentConstraint, Constraint? BiasConstraint,
        float Dropout, float RecurrentDropout, long? Seed, string? Name);

    private protected static CellSettings ReadSettings(LayerConfig c) => new(
        c.RequiredSize("units"),
        c.Activation("activation", "tanh"),
        c.Activation("recurrent_activation", "sigmoid"),
        c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("recurrent_initializer", "orthogonal"),
        c.Initializer("bias_initializer", "zeros"),
        c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"),
        c.Rate("dropout", 0f),
        c.Rate("recurrent_dropout", 0f),
        c.Seed(),
        c.Name);
}
