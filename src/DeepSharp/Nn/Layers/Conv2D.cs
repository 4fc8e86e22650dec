using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 2-D convolution over channels-last images (batch, height, width, channels); kernel
/// (kh, kw, in_channels, filters), bias (filters).
/// </summary>
public sealed class Conv2D : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">(height, width) of the convolution window.</param>
    /// <param name="strides">Step between windows along (height, width); null for (1, 1). Above 1 only with a dilation rate of (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default) or <see cref="Padding.Same"/> (output ⌈size/stride⌉ along each axis).</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="dilationRate">Spacing between the window's taps along (height, width) (Keras's <c>dilation_rate</c>); null for (1, 1).</param>
    /// <param name="kernelInitializer">Fills the (kh, kw, channels, filters) kernel; null for glorot_uniform.</param>
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
    public Conv2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv2D needs a positive number of filters.");
        Filters = filters;
        KernelSize = Positive(kernelSize, nameof(kernelSize));
        Strides = Positive(strides ?? (1, 1), nameof(strides));
        DilationRate = Positive(dilationRate ?? (1, 1), nameof(dilationRate));
        if (Strides != (1, 1) && DilationRate != (1, 1))
            throw new ArgumentException("Conv2D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <summary>A square kernel, as Keras's <c>Conv2D(32, 3)</c>; the arguments are those of the main constructor.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias, name: name, inputShape: inputShape,
            kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, activityRegularizer: activityRegularizer,
            kernelConstraint: kernelConstraint, biasConstraint: biasConstraint)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv2D";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>(height, width) of the convolution window.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Step between windows along (height, width).</summary>
    public (int H, int W) Strides { get; }
    /// <summary>Spacing between the window's taps along (height, width); (1, 1): adjacent pixels.</summary>
    public (int H, int W) DilationRate { get; }
    /// <summary>Valid (no padding) or Same (output ⌈size/stride⌉ along each axis).</summary>
    public Padding Padding { get; }
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
        _kernel = AddWeight("kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], Filters), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output height, output width, filters), the sizes set by <see cref="Padding"/>, <see cref="Strides"/> and <see cref="DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[0], KernelSize.H, Strides.H, DilationRate.H, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[1], KernelSize.W, Strides.W, DilationRate.W, Padding);
        return new Shape(h, w, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4 || x.Shape[3] != _kernel!.Shape[2])
            throw ShapeError($"(batch, height, width, {_kernel!.Shape[2]})", x.Shape.WithoutBatch());
        if (Activation == Activation.Relu) // fused: one pass over the output instead of two
            return WithActivityPenalty(Ops.Conv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate, relu: true));
        var y = Ops.Conv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate);
        return WithActivityPenalty(Activation.Apply(y));
    }

    /// <summary>
    /// This layer and <paramref name="pool"/> after it in one training pass (<see cref="Ops.Conv2DMaxPool"/>):
    /// both built, neither with an activity regularizer, a 'valid' ReLU or linear convolution and a
    /// 'valid' pool whose strides equal its size. Null (nothing run) otherwise: the caller calls both layers.
    /// </summary>
    internal Tensor? TryForwardPooled(Tensor x, MaxPooling2D pool)
    {
        if (!IsBuilt || !pool.IsBuilt || ActivityRegularizer is not null || pool.ActivityRegularizer is not null || Padding != Padding.Valid
            || (Activation != Activation.Relu && Activation != Activation.Linear)
            || pool.Padding != Padding.Valid || pool.Strides != pool.PoolSize || x.Rank != 4 || x.Shape[3] != _kernel!.Shape[2])
            return null;
        Build(x.Shape.WithoutBatch()); // built: checks the input shape as a call does (the pool's then follows)
        return Ops.Conv2DMaxPool(x, _kernel.Value, _bias?.Value, Strides, DilationRate, Activation == Activation.Relu, pool.PoolSize);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = Naming.Pair(KernelSize);
        config["strides"] = Naming.Pair(Strides);
        config["padding"] = Padding.ToName();
        config["dilation_rate"] = Naming.Pair(DilationRate);
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

    internal static Conv2D FromConfig(LayerConfig c) => new(
        c.RequiredSize("filters"),
        c.Pair("kernel_size", null),
        c.Pair("strides", (1, 1)),
        c.Padding(),
        c.Activation("activation"),
        c.Bool("use_bias", true),
        c.Pair("dilation_rate", (1, 1)),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("bias_initializer", "zeros"),
        c.Name,
        c.Shape("input_shape"),
        c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));

    private static (int, int) Positive((int H, int W) pair, string name) =>
        pair.H > 0 && pair.W > 0 ? pair : throw new ArgumentOutOfRangeException(name, pair, $"Conv2D {name} must be positive.");
}
