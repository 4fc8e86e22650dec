using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 1-D convolution over (batch, steps, channels); kernel (kernel_size, in_channels, filters), bias
/// (filters). Runs as a 2-D convolution of height 1 (free views of input and kernel).
/// </summary>
public sealed class Conv1D : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Length of the convolution window, in steps.</param>
    /// <param name="strides">Step between windows; above 1 only with a dilation rate of 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default) or <see cref="Padding.Same"/> (output length ⌈steps/strides⌉).</param>
    /// <param name="dilationRate">Spacing between the window's taps (Keras's <c>dilation_rate</c>); above 1 only with strides of 1.</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="kernelInitializer">Fills the (kernelSize, channels, filters) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv1D needs a positive number of filters.");
        if (kernelSize <= 0 || strides <= 0 || dilationRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv1D kernel_size {kernelSize}, strides {strides} and dilation_rate {dilationRate} must be positive.");
        if (strides != 1 && dilationRate != 1)
            throw new ArgumentException("Conv1D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        DilationRate = dilationRate;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv1D";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Length of the convolution window, in steps.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows.</summary>
    public int Strides { get; }
    /// <summary>Valid (no padding) or Same (output length ⌈steps/strides⌉).</summary>
    public Padding Padding { get; }
    /// <summary>Spacing between the window's taps (1: adjacent steps).</summary>
    public int DilationRate { get; }
    /// <summary>Applied to the convolution's output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias per filter.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddWeight("kernel", new Shape(KernelSize, inputShape[1], Filters), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output steps, filters), the length set by <see cref="Padding"/>, <see cref="Strides"/> and <see cref="DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, channels)", inputShape);
        int steps = ConvAxis.OutputSize(this, "steps", inputShape, inputShape[0], KernelSize, Strides, DilationRate, Padding);
        return new Shape(steps, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[1];
        if (x.Rank != 3 || x.Shape[2] != cin) throw ShapeError($"(batch, steps, {cin})", x.Shape.WithoutBatch());
        var image = Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], cin);
        var kernel = Ops.Reshape(_kernel.Value, 1, KernelSize, cin, Filters);
        var y = Ops.Conv2D(image, kernel, _bias?.Value, (1, Strides), Padding == Padding.Same, (1, DilationRate));
        return WithActivityPenalty(Activation.Apply(Ops.Reshape(y, x.Shape[0], y.Shape[2], Filters)));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = new JsonArray(KernelSize);
        config["strides"] = new JsonArray(Strides);
        config["padding"] = Padding.ToName();
        config["dilation_rate"] = new JsonArray(DilationRate);
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        return config;
    }

    /// <summary>Keras writes 1-D sizes as [n]; a plain number is accepted too.</summary>
    internal static Conv1D FromConfig(LayerConfig c) => new(
        c.RequiredSize("filters"), c.OneSize("kernel_size", null), c.OneSize("strides", 1),
        c.Padding(), c.OneSize("dilation_rate", 1),
        c.Activation("activation"), c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("bias_initializer", "zeros"), c.Name, c.Shape("input_shape"),
        c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
}
