using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise 2-D convolution (Keras's DepthwiseConv2D) over channels-last images: each input channel
/// is convolved with its own <see cref="DepthMultiplier"/> filters and nothing mixes channels. Kernel
/// (kh, kw, channels, depth_multiplier), bias (channels · depth_multiplier); output channel c·M + m is
/// channel c through its filter m. Sizes and padding as <see cref="Conv2D"/>.
/// </summary>
public sealed class DepthwiseConv2D : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="kernelSize">(height, width) of the convolution window.</param>
    /// <param name="strides">Step between windows; null for (1, 1). Above 1 only with a dilation rate of (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/>.</param>
    /// <param name="depthMultiplier">Filters per input channel (Keras's <c>depth_multiplier</c>).</param>
    /// <param name="activation">Applied to the output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per output channel.</param>
    /// <param name="dilationRate">Spacing between the window's taps; null for (1, 1).</param>
    /// <param name="depthwiseInitializer">Fills the kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="depthwiseRegularizer">A penalty on the depthwise kernel added to the training loss (Keras's <c>depthwise_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="depthwiseConstraint">A projection of the depthwise kernel after each optimizer step (Keras's <c>depthwise_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the multiplier is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public DepthwiseConv2D((int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = Padding.Valid,
        int depthMultiplier = 1, Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        KernelSize = ConvolutionConfig.Positive(kernelSize, "DepthwiseConv2D", nameof(kernelSize));
        Strides = ConvolutionConfig.Positive(strides ?? (1, 1), "DepthwiseConv2D", nameof(strides));
        DilationRate = ConvolutionConfig.Positive(dilationRate ?? (1, 1), "DepthwiseConv2D", nameof(dilationRate));
        DepthMultiplier = ConvolutionConfig.Positive(depthMultiplier, "DepthwiseConv2D", nameof(depthMultiplier));
        if (Strides != (1, 1) && DilationRate != (1, 1))
            throw new ArgumentException("DepthwiseConv2D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (DepthwiseRegularizer, BiasRegularizer, ActivityRegularizer) = (depthwiseRegularizer, biasRegularizer, activityRegularizer);
        (DepthwiseConstraint, BiasConstraint) = (depthwiseConstraint, biasConstraint);
    }

    /// <summary>A square kernel and stride, as Keras's <c>DepthwiseConv2D(3)</c>.</summary>
    public DepthwiseConv2D(int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null)
        : this((kernelSize, kernelSize), (strides, strides), padding, depthMultiplier, activation, useBias, name: name, inputShape: inputShape,
            depthwiseRegularizer: depthwiseRegularizer, biasRegularizer: biasRegularizer, activityRegularizer: activityRegularizer,
            depthwiseConstraint: depthwiseConstraint, biasConstraint: biasConstraint)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "DepthwiseConv2D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "depthwise_conv2d";
    /// <summary>(height, width) of the convolution window.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Step between windows along (height, width).</summary>
    public (int H, int W) Strides { get; }
    /// <summary>Spacing between the window's taps along (height, width).</summary>
    public (int H, int W) DilationRate { get; }
    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; }
    /// <summary>Valid (no padding) or Same (output ⌈size/stride⌉ along each axis).</summary>
    public Padding Padding { get; }
    /// <summary>Applied to the output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias per output channel.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer DepthwiseInitializer { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the depthwise kernel added to the training loss; null for none.</summary>
    public Regularizer? DepthwiseRegularizer { get; }
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the depthwise kernel after each optimizer step; null for none.</summary>
    public Constraint? DepthwiseConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var output = ComputeOutputShape(inputShape);
        _kernel = AddWeight("kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], DepthMultiplier), DepthwiseInitializer, true,
            DepthwiseRegularizer, DepthwiseConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(output[2]), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output height, output width, channels · depth_multiplier).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) =>
        SpatialShape(this, inputShape, KernelSize, Strides, DilationRate, Padding, DepthMultiplier);

    /// <summary>The output shape of a depthwise convolution (shared with <see cref="SeparableConv2D"/>'s first step).</summary>
    internal static Shape SpatialShape(Layer layer, Shape inputShape, (int H, int W) kernel, (int H, int W) strides,
        (int H, int W) dilation, Padding padding, int multiplier)
    {
        if (inputShape.Rank != 3)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects inputs (batch, height, width, channels), got {inputShape.ToBatchString()}.");
        int h = ConvAxis.OutputSize(layer, "height", inputShape, inputShape[0], kernel.H, strides.H, dilation.H, padding);
        int w = ConvAxis.OutputSize(layer, "width", inputShape, inputShape[1], kernel.W, strides.W, dilation.W, padding);
        long channels = (long)inputShape[2] * multiplier;
        if (channels > int.MaxValue)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}): {inputShape[2]} channels × depth_multiplier {multiplier} exceeds 2^31 − 1.");
        return new Shape(h, w, (int)channels);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int c = _kernel!.Shape[2];
        if (x.Rank != 4 || x.Shape[3] != c) throw ShapeError($"(batch, height, width, {c})", x.Shape.WithoutBatch());
        Tensor y;
        try
        {
            y = Ops.DepthwiseConv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate);
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
        config["kernel_size"] = Naming.Pair(KernelSize);
        config["strides"] = Naming.Pair(Strides);
        config["padding"] = Padding.ToName();
        config["depth_multiplier"] = DepthMultiplier;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = Naming.Pair(DilationRate);
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        config["depthwise_initializer"] = DepthwiseInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "depthwise_regularizer", DepthwiseRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "depthwise_constraint", DepthwiseConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        return config;
    }

    internal static DepthwiseConv2D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.Pair("kernel_size", null), c.Pair("strides", (1, 1)), c.Padding(), c.Int("depth_multiplier", 1, 1, int.MaxValue),
            c.Activation("activation"), c.Bool("use_bias", true), c.Pair("dilation_rate", (1, 1)),
            c.Initializer("depthwise_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Name, c.Shape("input_shape"),
            c.Regularizer("depthwise_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("depthwise_constraint"), c.Constraint("bias_constraint"));
    }
}
