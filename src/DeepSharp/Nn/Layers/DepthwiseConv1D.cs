using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise 1-D convolution (Keras's DepthwiseConv1D) over (batch, steps, channels): each channel is
/// convolved with its own <see cref="DepthMultiplier"/> filters and nothing mixes channels. Kernel
/// (kernel_size, channels, depth_multiplier), bias (channels · depth_multiplier); output channel c·M + m
/// is channel c through its filter m. Sizes and padding as <see cref="Conv1D"/>; runs as a
/// <see cref="DepthwiseConv2D"/> of height 1 (free views of input and kernel).
/// </summary>
public sealed class DepthwiseConv1D : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="kernelSize">Length of the convolution window, in steps.</param>
    /// <param name="strides">Step between windows; above 1 only with a dilation rate of 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/>.</param>
    /// <param name="depthMultiplier">Filters per input channel (Keras's <c>depth_multiplier</c>).</param>
    /// <param name="dilationRate">Spacing between the window's taps; above 1 only with strides of 1.</param>
    /// <param name="activation">Applied to the output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per output channel.</param>
    /// <param name="depthwiseInitializer">Fills the kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="depthwiseRegularizer">A penalty on the kernel added to the training loss (Keras's <c>depthwise_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="depthwiseConstraint">A projection of the kernel after each optimizer step (Keras's <c>depthwise_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the multiplier is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public DepthwiseConv1D(int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        KernelSize = ConvolutionConfig.Positive(kernelSize, "DepthwiseConv1D", nameof(kernelSize));
        Strides = ConvolutionConfig.Positive(strides, "DepthwiseConv1D", nameof(strides));
        DilationRate = ConvolutionConfig.Positive(dilationRate, "DepthwiseConv1D", nameof(dilationRate));
        DepthMultiplier = ConvolutionConfig.Positive(depthMultiplier, "DepthwiseConv1D", nameof(depthMultiplier));
        if (Strides != 1 && DilationRate != 1)
            throw new ArgumentException("DepthwiseConv1D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (DepthwiseRegularizer, BiasRegularizer, ActivityRegularizer) = (depthwiseRegularizer, biasRegularizer, activityRegularizer);
        (DepthwiseConstraint, BiasConstraint) = (depthwiseConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "DepthwiseConv1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "depthwise_conv1d";
    /// <summary>Length of the convolution window, in steps.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows.</summary>
    public int Strides { get; }
    /// <summary>Spacing between the window's taps.</summary>
    public int DilationRate { get; }
    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; }
    /// <summary>Valid (no padding) or Same (output length ⌈steps/strides⌉).</summary>
    public Padding Padding { get; }
    /// <summary>Applied to the output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias per output channel.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer DepthwiseInitializer { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the kernel added to the training loss; null for none.</summary>
    public Regularizer? DepthwiseRegularizer { get; }
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the kernel after each optimizer step; null for none.</summary>
    public Constraint? DepthwiseConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var output = ComputeOutputShape(inputShape);
        _kernel = AddWeight("kernel", new Shape(KernelSize, inputShape[1], DepthMultiplier), DepthwiseInitializer, true, DepthwiseRegularizer, DepthwiseConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(output[1]), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output steps, channels · depth_multiplier).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => StepsShape(this, inputShape, KernelSize, Strides, DilationRate, Padding, DepthMultiplier);

    /// <summary>The output shape of a 1-D depthwise convolution (shared with <see cref="SeparableConv1D"/>'s first step).</summary>
    internal static Shape StepsShape(Layer layer, Shape inputShape, int kernel, int strides, int dilation, Padding padding, int multiplier)
    {
        if (inputShape.Rank != 2)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects inputs (batch, steps, channels), got {inputShape.ToBatchString()}.");
        int steps = ConvAxis.OutputSize(layer, "steps", inputShape, inputShape[0], kernel, strides, dilation, padding);
        long channels = (long)inputShape[1] * multiplier;
        if (channels > int.MaxValue)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}): {inputShape[1]} channels × depth_multiplier {multiplier} exceeds 2^31 − 1.");
        return new Shape(steps, (int)channels);
    }

    /// <summary>x (batch, steps, C) through a (k, C, M) depthwise kernel as a height-1 DepthwiseConv2D: (batch, steps', C·M).</summary>
    internal static Tensor Depthwise(Layer layer, Tensor x, Tensor kernel, Tensor? bias, int strides, int dilation, Padding padding)
    {
        int c = kernel.Shape[1];
        if (x.Rank != 3 || x.Shape[2] != c)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects inputs (batch, steps, {c}), got {x.Shape.WithoutBatch().ToBatchString()}.");
        try
        {
            var image = Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], c);
            var k = Ops.Reshape(kernel, 1, kernel.Shape[0], c, kernel.Shape[2]);
            var y = Ops.DepthwiseConv2D(image, k, bias, (1, strides), padding == Padding.Same, (1, dilation));
            return Ops.Reshape(y, x.Shape[0], y.Shape[2], y.Shape[3]);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(layer, x, e);
        }
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        WithActivityPenalty(Activation.Apply(Depthwise(this, x, _kernel!.Value, _bias?.Value, Strides, DilationRate, Padding)));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["kernel_size"] = new JsonArray(KernelSize);
        config["strides"] = new JsonArray(Strides);
        config["padding"] = Padding.ToName();
        config["depth_multiplier"] = DepthMultiplier;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = new JsonArray(DilationRate);
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

    /// <summary>Keras writes 1-D sizes as [n]; a plain number is accepted too.</summary>
    internal static DepthwiseConv1D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.OneSize("kernel_size", null), c.OneSize("strides", 1), c.Padding(), c.Int("depth_multiplier", 1, 1, int.MaxValue),
            c.OneSize("dilation_rate", 1), c.Activation("activation"), c.Bool("use_bias", true),
            c.Initializer("depthwise_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Name, c.Shape("input_shape"),
            c.Regularizer("depthwise_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("depthwise_constraint"), c.Constraint("bias_constraint"));
    }
}
