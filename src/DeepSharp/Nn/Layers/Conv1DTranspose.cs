using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Transposed 1-D convolution (Keras's Conv1DTranspose) over (batch, steps, channels): the input
/// gradient of a <see cref="Conv1D"/>, run as a <see cref="Conv2DTranspose"/> of height 1 (free views).
/// Kernel (kernel_size, filters, in_channels), bias (filters). Output steps: "valid"
/// steps·stride + max(k − stride, 0), "same" steps·stride; k is the dilated kernel extent.
/// </summary>
public sealed class Conv1DTranspose : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Length of the convolution window, in steps.</param>
    /// <param name="strides">Upsampling step; above 1 only with a dilation rate of 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/> (steps · stride exactly).</param>
    /// <param name="dilationRate">Spacing between the window's taps (Keras's <c>dilation_rate</c>).</param>
    /// <param name="activation">Applied to the output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="kernelInitializer">Fills the (kernelSize, filters, channels) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public Conv1DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        Filters = ConvolutionConfig.Positive(filters, "Conv1DTranspose", nameof(filters));
        KernelSize = ConvolutionConfig.Positive(kernelSize, "Conv1DTranspose", nameof(kernelSize));
        Strides = ConvolutionConfig.Positive(strides, "Conv1DTranspose", nameof(strides));
        DilationRate = ConvolutionConfig.Positive(dilationRate, "Conv1DTranspose", nameof(dilationRate));
        if (strides != 1 && dilationRate != 1)
            throw new ArgumentException("Conv1DTranspose: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv1DTranspose";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "conv1d_transpose";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Length of the convolution window, in steps.</summary>
    public int KernelSize { get; }
    /// <summary>Upsampling step.</summary>
    public int Strides { get; }
    /// <summary>Valid or Same (see the class summary for the output length).</summary>
    public Padding Padding { get; }
    /// <summary>Spacing between the window's taps.</summary>
    public int DilationRate { get; }
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
        _kernel = AddWeight("kernel", new Shape(KernelSize, Filters, inputShape[1]), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output steps, filters); see the class summary for the length.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, channels)", inputShape);
        var g = ConvolutionConfig.Axis(this, "steps", inputShape, () => Conv2DTransposeGeometry.Create(1, 1, inputShape[0], inputShape[1], Filters,
            1, KernelSize, 1, Strides, Padding == Padding.Same, 1, DilationRate));
        return new Shape(g.InW, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[2];
        if (x.Rank != 3 || x.Shape[2] != cin) throw ShapeError($"(batch, steps, {cin})", x.Shape.WithoutBatch());
        Tensor y;
        try
        {
            var image = Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], cin);
            var kernel = Ops.Reshape(_kernel.Value, 1, KernelSize, Filters, cin);
            y = Ops.Conv2DTranspose(image, kernel, _bias?.Value, (1, Strides), Padding == Padding.Same, (1, DilationRate));
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
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
        config["data_format"] = "channels_last";
        config["dilation_rate"] = new JsonArray(DilationRate);
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

    internal static Conv1DTranspose FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        ConvolutionConfig.Unsupported(c, "output_padding");
        return new(c.RequiredSize("filters"), c.OneSize("kernel_size", null), c.OneSize("strides", 1), c.Padding(), c.OneSize("dilation_rate", 1),
            c.Activation("activation"), c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"), c.Name, c.Shape("input_shape"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
    }
}
