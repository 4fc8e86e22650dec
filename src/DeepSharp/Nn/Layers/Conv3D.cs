using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 3-D convolution over channels-last volumes (batch, depth, height, width, channels), e.g. video clips
/// or medical scans; kernel (kd, kh, kw, in_channels / groups, filters), bias (filters).
/// </summary>
public sealed class Conv3D : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels; a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelSize">(depth, height, width) of the convolution window.</param>
    /// <param name="strides">Step between windows along (depth, height, width); null for (1, 1, 1). Above 1 only with a dilation rate of (1, 1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default) or <see cref="Padding.Same"/> (output ⌈size/stride⌉ along each axis).</param>
    /// <param name="dilationRate">Spacing between the window's taps along (depth, height, width) (Keras's <c>dilation_rate</c>); null for (1, 1, 1).</param>
    /// <param name="groups">Splits the input channels and the filters into this many independent convolutions (Keras's <c>groups</c>; 1, the default, for an ordinary convolution).</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="kernelInitializer">Fills the (kd, kh, kw, channels / groups, filters) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the groups is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1, or the groups do not divide the filters.</exception>
    public Conv3D(int filters, (int D, int H, int W) kernelSize, (int D, int H, int W)? strides = null, Padding padding = Padding.Valid,
        (int D, int H, int W)? dilationRate = null, int groups = 1, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv3D needs a positive number of filters.");
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "Conv3D groups must be positive.");
        if (filters % groups != 0)
            throw new ArgumentException($"Conv3D: filters {filters} must be a multiple of groups {groups}.", nameof(groups));
        Filters = filters;
        Groups = groups;
        KernelSize = VolumeConfig.Positive(kernelSize, "Conv3D", nameof(kernelSize));
        Strides = VolumeConfig.Positive(strides ?? (1, 1, 1), "Conv3D", nameof(strides));
        DilationRate = VolumeConfig.Positive(dilationRate ?? (1, 1, 1), "Conv3D", nameof(dilationRate));
        if (Strides != (1, 1, 1) && DilationRate != (1, 1, 1))
            throw new ArgumentException("Conv3D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <summary>A cubic kernel, as Keras's <c>Conv3D(16, 3)</c>; the arguments are those of the main constructor.</summary>
    public Conv3D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null, int groups = 1)
        : this(filters, (kernelSize, kernelSize, kernelSize), (strides, strides, strides), padding, groups: groups,
            activation: activation, useBias: useBias, name: name, inputShape: inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv3D";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>(depth, height, width) of the convolution window.</summary>
    public (int D, int H, int W) KernelSize { get; }
    /// <summary>Step between windows along (depth, height, width).</summary>
    public (int D, int H, int W) Strides { get; }
    /// <summary>Spacing between the window's taps along (depth, height, width); (1, 1, 1): adjacent voxels.</summary>
    public (int D, int H, int W) DilationRate { get; }
    /// <summary>Independent convolutions the channels are split into (1: an ordinary convolution).</summary>
    public int Groups { get; }
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
        _kernel = AddWeight("kernel", new Shape(KernelSize.D, KernelSize.H, KernelSize.W, inputShape[3] / Groups, Filters),
            KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output depth, output height, output width, filters), the sizes set by <see cref="Padding"/>, <see cref="Strides"/> and <see cref="DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (depth, height, width, channels), the groups do not divide the channels, or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4) throw ShapeError("(batch, depth, height, width, channels)", inputShape);
        if (inputShape[3] % Groups != 0)
            throw new ShapeMismatchException(
                $"Layer '{Name}' (Conv3D): inputs {inputShape.ToBatchString()} have {inputShape[3]} channels, not a multiple of groups {Groups}.");
        int d = ConvAxis.OutputSize(this, "depth", inputShape, inputShape[0], KernelSize.D, Strides.D, DilationRate.D, Padding);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[1], KernelSize.H, Strides.H, DilationRate.H, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[2], KernelSize.W, Strides.W, DilationRate.W, Padding);
        return new Shape(d, h, w, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[3] * Groups;
        if (x.Rank != 5 || x.Shape[4] != cin)
            throw ShapeError($"(batch, depth, height, width, {cin})", x.Shape.WithoutBatch());
        try
        {
            var y = Ops.Conv3D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate, Groups);
            return WithActivityPenalty(Activation.Apply(y));
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = VolumeConfig.Triple(KernelSize);
        config["strides"] = VolumeConfig.Triple(Strides);
        config["padding"] = Padding.ToName();
        config["data_format"] = "channels_last";
        config["dilation_rate"] = VolumeConfig.Triple(DilationRate);
        config["groups"] = Groups;
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

    internal static Conv3D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(
            c.RequiredSize("filters"),
            VolumeConfig.Triple(c, "kernel_size", null),
            VolumeConfig.Triple(c, "strides", (1, 1, 1)),
            c.Padding(),
            VolumeConfig.Triple(c, "dilation_rate", (1, 1, 1)),
            c.Int("groups", 1, 1, int.MaxValue),
            c.Activation("activation"),
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", "glorot_uniform"),
            c.Initializer("bias_initializer", "zeros"),
            c.Name,
            c.Shape("input_shape"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
    }
}
