using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of Keras's convolutional LSTMs (<see cref="ConvLstm1D"/>, <see cref="ConvLstm2D"/>,
/// <see cref="ConvLstm3D"/>; Shi et al. 2015) over channels-last sequences of images
/// (batch, time, spatial…, channels). An LSTM whose input and recurrent products are convolutions:
/// per step, z = conv(x_t, kernel, strides, padding, dilation) + bias + conv(h, recurrent_kernel,
/// stride 1, 'same'), split into the gate blocks i, f, c, o (Keras's order);
/// c = σ(f)·c_prev + σ(i)·tanh(z_c), h = σ(o)·tanh(c) with the default activations.
/// Weights as Keras: "conv_lstm_cell/kernel" (k…, channels, 4·filters), "conv_lstm_cell/recurrent_kernel"
/// (k…, filters, 4·filters), "conv_lstm_cell/bias" (4·filters). States h and c, each (out…, filters),
/// where out… is the input convolution's output size.
/// <list type="bullet">
/// <item>The input convolution runs once for every step of the batch, as (batch·time) images; only the
/// recurrent convolution and the gates run step by step. Autograd gives the backward pass.</item>
/// <item>Masks, returnSequences, returnState, goBackwards and initial states behave as in
/// <see cref="RecurrentLayer"/>. dropout and recurrentDropout draw Keras 3's four masks per sequence, one
/// per gate, each shaped as one step's input (or state) and reused at every step.</item>
/// </list>
/// Any activation works (the steps are built from differentiable ops). Stateful layers are not supported.
/// </summary>
public abstract partial class ConvLstm : Layer
{
    private readonly int[] _kernelSize, _strides, _dilationRate;
    private RandomGenerator? _generator;
    private Parameter? _kernel, _recurrentKernel, _bias;

    /// <summary>
    /// The public constructors' arguments, in ConvLSTM2D's order, with the sizes as arrays of one value per
    /// spatial axis: the one place where they become the layer's settings (ConvLSTM1D, 2D and 3D pass theirs on).
    /// </summary>
    private protected ConvLstm(int rank, string type, int filters, int[] kernelSize, int[] strides, Padding padding, int[] dilationRate,
        Activation? activation, Activation? recurrentActivation, bool useBias,
        Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer,
        bool unitForgetBias, float dropout, float recurrentDropout,
        bool returnSequences, bool returnState, bool goBackwards, bool zeroOutputForMask,
        long? seed, string? name, int[]? inputShape,
        Regularizer? kernelRegularizer, Regularizer? recurrentRegularizer, Regularizer? biasRegularizer,
        Regularizer? activityRegularizer, Constraint? kernelConstraint, Constraint? recurrentConstraint, Constraint? biasConstraint)
        : this(rank, new Settings(filters, kernelSize, strides, padding, dilationRate,
            RecurrentOptions.Create(type, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout, recurrentDropout, seed),
            unitForgetBias, returnSequences, returnState, goBackwards, zeroOutputForMask, name, inputShape, activityRegularizer))
    {
    }

    private protected ConvLstm(int rank, Settings s) : base(s.Name, s.InputShape)
    {
        Rank = rank;
        RecurrentOptions.CheckUnits(TypeName, s.Filters, "filters");
        _kernelSize = Positive(s.KernelSize, "kernelSize");
        _strides = Positive(s.Strides, "strides");
        _dilationRate = Positive(s.DilationRate, "dilationRate");
        if (_strides.Any(v => v > 1) && _dilationRate.Any(v => v > 1))
            throw new ArgumentException($"{TypeName}: strides > 1 together with dilation_rate > 1 is not supported (as in Keras); " +
                $"got strides ({string.Join(", ", _strides)}) and dilation_rate ({string.Join(", ", _dilationRate)}).");
        Filters = s.Filters;
        Padding = s.Padding.For(TypeName);
        Options = s.Options;
        UnitForgetBias = s.UnitForgetBias;
        ReturnSequences = s.ReturnSequences;
        ReturnState = s.ReturnState;
        GoBackwards = s.GoBackwards;
        ZeroOutputForMask = s.ZeroOutputForMask;
        ActivityRegularizer = s.ActivityRegularizer;
    }

    /// <summary>Number of spatial axes: 1, 2 or 3.</summary>
    public int Rank { get; }
    /// <summary>Channels of the states and of each step's output.</summary>
    public int Filters { get; }
    /// <summary>Valid (no padding) or Same (output ⌈size/stride⌉ along each axis) for the input convolution; the recurrent one is always 'same'.</summary>
    public Padding Padding { get; }
    /// <summary>The cell's activation (tanh by default).</summary>
    public Activation Activation => Options.Activation;
    /// <summary>The gates' activation (sigmoid by default).</summary>
    public Activation RecurrentActivation => Options.RecurrentActivation;
    /// <summary>Whether the cell adds a learned bias.</summary>
    public bool UseBias => Options.UseBias;
    /// <summary>What fills the input kernel (k…, channels, 4·filters) (glorot_uniform by default).</summary>
    public Initializer KernelInitializer => Options.KernelInitializer;
    /// <summary>What fills the recurrent kernel (k…, filters, 4·filters) (orthogonal by default).</summary>
    public Initializer RecurrentInitializer => Options.RecurrentInitializer;
    /// <summary>What fills the bias (zeros by default).</summary>
    public Initializer BiasInitializer => Options.BiasInitializer;
    /// <summary>Start the forget gate's bias at 1 (Keras's default).</summary>
    public bool UnitForgetBias { get; }
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
    /// <summary>Fraction of the input dropped while training (four masks per sequence, one per gate).</summary>
    public float Dropout => Options.Dropout;
    /// <summary>Fraction of the state dropped before the recurrent convolution while training (four masks per sequence).</summary>
    public float RecurrentDropout => Options.RecurrentDropout;
    /// <summary>Whether the output is every step's, (time, out…, filters), rather than the last step's, (out…, filters).</summary>
    public bool ReturnSequences { get; }
    /// <summary>Whether the layer returns its final states h and c too; it then runs through <c>CallWithState</c>, and <c>Call</c> refuses it.</summary>
    public bool ReturnState { get; }
    /// <summary>Process the sequence last step first; the returned sequence is in processing order (Keras).</summary>
    public bool GoBackwards { get; }
    /// <summary>Masked steps output zeros instead of the previous output (Bidirectional sets it for sequences).</summary>
    public bool ZeroOutputForMask { get; internal set; }
    /// <summary>The seed of the dropout masks' generator; null when it was forked from the global generator.</summary>
    public long? Seed => Options.Seed;

    /// <summary>The activations, initializers, regularizers, constraints and dropout settings (shared with LSTM and its cell).</summary>
    private protected RecurrentOptions Options { get; }

    /// <summary>The generator of the dropout masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => _generator;

    /// <summary>True: a (batch, time) mask makes the layer skip the masked steps.</summary>
    public override bool SupportsMasking => true;

    /// <summary>Keras's rule: the mask passes on with the sequence; a last output has none.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask) => ReturnSequences ? mask : null;

    private protected IReadOnlyList<int> KernelSizes => _kernelSize;
    private protected IReadOnlyList<int> StrideSizes => _strides;
    private protected IReadOnlyList<int> DilationSizes => _dilationRate;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        StateShape(inputShape); // the geometry first: a kernel wider than a 'valid' input allocated and initialized its weights before it was refused
        int channels = inputShape[-1];
        (_kernel, _recurrentKernel, _bias) = Options.AddWeights(AddWeight, "conv_lstm_cell/", new Shape([.. _kernelSize, channels, 4 * Filters]),
            new Shape([.. _kernelSize, Filters, 4 * Filters]), new Shape(4 * Filters), UnitForgetBias ? new ForgetBiasOne(BiasInitializer, Filters) : BiasInitializer);
        if (Options.DrawsMasks) _ = Generator;
    }

    /// <summary>(time, out…, filters) with <see cref="ReturnSequences"/>, else (out…, filters).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time ≥ 1, spatial…, channels), or the kernel does not fit it.</exception>
    /// <exception cref="InvalidOperationException">The layer has <see cref="ReturnState"/>; use <see cref="ComputeOutputShapes"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var state = StateShape(inputShape);
        if (ReturnState) throw RecurrentCalls.ReturnStateError(this, "has");
        return ReturnSequences ? new Shape([inputShape[0], .. state.Dims]) : state;
    }

    /// <summary>The per-sample shapes <c>CallWithState</c> returns: the output, then h and c, each (out…, filters).</summary>
    public IReadOnlyList<Shape> ComputeOutputShapes(Shape inputShape)
    {
        var state = StateShape(inputShape);
        return [ReturnSequences ? new Shape([inputShape[0], .. state.Dims]) : state, state, state];
    }

    /// <summary>The per-sample shape of a state, (out…, filters), for per-sample inputs (time, spatial…, channels).</summary>
    private Shape StateShape(Shape inputShape)
    {
        CheckInputShape(inputShape);
        var dims = new int[Rank + 1];
        for (int a = 0; a < Rank; a++)
            dims[a] = ConvAxis.OutputSize(this, AxisName(a), inputShape, inputShape[1 + a], _kernelSize[a], _strides[a], _dilationRate[a], Padding);
        dims[Rank] = Filters;
        return new Shape(dims);
    }

    private void CheckInputShape(Shape inputShape)
    {
        if (inputShape.Rank != Rank + 2 || inputShape[0] == 0 || inputShape[-1] == 0)
            throw ShapeError($"(batch, time ≥ 1, {SpatialNames}, channels)", inputShape);
    }

    private string SpatialNames => Rank switch { 1 => "steps", 2 => "rows, columns", _ => "depth, rows, columns" };

    private string AxisName(int axis) => Rank switch
    {
        1 => "steps",
        2 => axis == 0 ? "rows" : "columns",
        _ => axis switch { 0 => "depth", 1 => "rows", _ => "columns" },
    };

    private int[] Positive(int[] sizes, string name)
    {
        if (sizes.Length != Rank) throw new ArgumentException($"{TypeName} {name} needs {Rank} value(s); got {sizes.Length}.", name);
        foreach (int v in sizes)
            if (v <= 0) throw new ArgumentOutOfRangeException(name, $"({string.Join(", ", sizes)})", $"{TypeName} {name} must be positive.");
        return sizes;
    }
}
