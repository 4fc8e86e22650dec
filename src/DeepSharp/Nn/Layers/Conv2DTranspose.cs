using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Transposed 2-D convolution (Keras's Conv2DTranspose, sometimes called deconvolution) over
/// channels-last images: the input gradient of a <see cref="Conv2D"/> with the same kernel size,
/// strides, padding and dilation, so it grows images by the strides. Kernel (kh, kw, filters,
/// in_channels), bias (filters). Output size per axis: "valid" in·stride + max(k − stride, 0) (that is
/// (in − 1)·stride + k when k ≥ stride), "same" in·stride; k is the dilated kernel extent.
/// </summary>
public sealed class Conv2DTranspose : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">(height, width) of the convolution window.</param>
    /// <param name="strides">Upsampling step along (height, width); null for (1, 1). Above 1 only with a dilation rate of (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/> (output size · stride exactly).</param>
    /// <param name="activation">Applied to the output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="dilationRate">Spacing between the window's taps (Keras's <c>dilation_rate</c>); null for (1, 1).</param>
    /// <param name="kernelInitializer">Fills the (kh, kw, filters, channels) kernel; null for glorot_uniform.</param>
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
    public Conv2DTranspose(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        Filters = ConvolutionConfig.Positive(filters, "Conv2DTranspose", nameof(filters));
        KernelSize = ConvolutionConfig.Positive(kernelSize, "Conv2DTranspose", nameof(kernelSize));
        Strides = ConvolutionConfig.Positive(strides ?? (1, 1), "Conv2DTranspose", nameof(strides));
        DilationRate = ConvolutionConfig.Positive(dilationRate ?? (1, 1), "Conv2DTranspose", nameof(dilationRate));
        if (Strides != (1, 1) && DilationRate != (1, 1))
            throw new ArgumentException("Conv2DTranspose: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <summary>A square kernel and stride, as Keras's <c>Conv2DTranspose(16, 3, strides=2)</c>.</summary>
    public Conv2DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias, name: name, inputShape: inputShape,
            kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, activityRegularizer: activityRegularizer,
            kernelConstraint: kernelConstraint, biasConstraint: biasConstraint)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv2DTranspose";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "conv2d_transpose";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>(height, width) of the convolution window.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Upsampling step along (height, width).</summary>
    public (int H, int W) Strides { get; }
    /// <summary>Spacing between the window's taps along (height, width).</summary>
    public (int H, int W) DilationRate { get; }
    /// <summary>Valid or Same (see the class summary for the output sizes).</summary>
    public Padding Padding { get; }
    /// <summary>Applied to the output (linear when none was given).</summary>
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
        _kernel = AddWeight("kernel", new Shape(KernelSize.H, KernelSize.W, Filters, inputShape[2]), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output height, output width, filters); see the class summary for the sizes.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        // The whole geometry of one sample, so that sizes, lengths and the kernel's reach are checked together.
        var g = ConvolutionConfig.Axis(this, "height and width", inputShape, () => Conv2DTransposeGeometry.Create(1, inputShape[0], inputShape[1],
            inputShape[2], Filters, KernelSize.H, KernelSize.W, Strides.H, Strides.W, Padding == Padding.Same, DilationRate.H, DilationRate.W));
        return new Shape(g.InH, g.InW, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[3];
        if (x.Rank != 4 || x.Shape[3] != cin) throw ShapeError($"(batch, height, width, {cin})", x.Shape.WithoutBatch());
        Tensor y;
        try
        {
            y = Ops.Conv2DTranspose(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
        return WithActivityPenalty(Activation.Apply(y));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = Naming.Pair(KernelSize);
        config["strides"] = Naming.Pair(Strides);
        config["padding"] = Padding.ToName();
        config["data_format"] = "channels_last";
        config["dilation_rate"] = Naming.Pair(DilationRate);
        config["output_padding"] = null;
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

    internal static Conv2DTranspose FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        ConvolutionConfig.Unsupported(c, "output_padding");
        return new(c.RequiredSize("filters"), c.Pair("kernel_size", null), c.Pair("strides", (1, 1)), c.Padding(),
            c.Activation("activation"), c.Bool("use_bias", true), c.Pair("dilation_rate", (1, 1)),
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Name, c.Shape("input_shape"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
    }
}
