using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise separable 1-D convolution (Keras's SeparableConv1D) over (batch, steps, channels): a
/// depthwise convolution (each channel through <see cref="DepthMultiplier"/> filters of its own, see
/// <see cref="DepthwiseConv1D"/>), then a pointwise (kernel 1) convolution into <see cref="Filters"/>
/// channels, then the bias and activation. Weights: depthwise_kernel (kernel_size, channels,
/// depth_multiplier), pointwise_kernel (1, channels · depth_multiplier, filters), bias (filters).
/// </summary>
public sealed class SeparableConv1D : Layer
{
    private Parameter? _depthwise, _pointwise, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Length of the depthwise window, in steps.</param>
    /// <param name="strides">Step between windows; above 1 only with a dilation rate of 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/>.</param>
    /// <param name="dilationRate">Spacing between the depthwise window's taps; above 1 only with strides of 1.</param>
    /// <param name="depthMultiplier">Depthwise filters per input channel.</param>
    /// <param name="activation">Applied to the output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="depthwiseInitializer">Fills the depthwise kernel; null for glorot_uniform.</param>
    /// <param name="pointwiseInitializer">Fills the pointwise kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="depthwiseRegularizer">A penalty on the depthwise kernel added to the training loss; null for none.</param>
    /// <param name="pointwiseRegularizer">A penalty on the pointwise kernel; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="depthwiseConstraint">A projection of the depthwise kernel after each optimizer step; null for none.</param>
    /// <param name="pointwiseConstraint">A projection of the pointwise kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the multiplier is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public SeparableConv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        int depthMultiplier = 1, Activation? activation = null, bool useBias = true,
        Initializer? depthwiseInitializer = null, Initializer? pointwiseInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? pointwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? depthwiseConstraint = null, Constraint? pointwiseConstraint = null,
        Constraint? biasConstraint = null) : base(name, inputShape)
    {
        Filters = ConvolutionConfig.Positive(filters, "SeparableConv1D", nameof(filters));
        KernelSize = ConvolutionConfig.Positive(kernelSize, "SeparableConv1D", nameof(kernelSize));
        Strides = ConvolutionConfig.Positive(strides, "SeparableConv1D", nameof(strides));
        DilationRate = ConvolutionConfig.Positive(dilationRate, "SeparableConv1D", nameof(dilationRate));
        DepthMultiplier = ConvolutionConfig.Positive(depthMultiplier, "SeparableConv1D", nameof(depthMultiplier));
        if (Strides != 1 && DilationRate != 1)
            throw new ArgumentException("SeparableConv1D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? Initializer.GlorotUniform;
        PointwiseInitializer = pointwiseInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (DepthwiseRegularizer, PointwiseRegularizer, BiasRegularizer, ActivityRegularizer) =
            (depthwiseRegularizer, pointwiseRegularizer, biasRegularizer, activityRegularizer);
        (DepthwiseConstraint, PointwiseConstraint, BiasConstraint) = (depthwiseConstraint, pointwiseConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "SeparableConv1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "separable_conv1d";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Length of the depthwise window, in steps.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows.</summary>
    public int Strides { get; }
    /// <summary>Spacing between the depthwise window's taps.</summary>
    public int DilationRate { get; }
    /// <summary>Depthwise filters per input channel.</summary>
    public int DepthMultiplier { get; }
    /// <summary>Valid (no padding) or Same (output length ⌈steps/strides⌉).</summary>
    public Padding Padding { get; }
    /// <summary>Applied to the output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias per filter.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the depthwise kernel (glorot_uniform by default).</summary>
    public Initializer DepthwiseInitializer { get; }
    /// <summary>What fills the pointwise kernel (glorot_uniform by default).</summary>
    public Initializer PointwiseInitializer { get; }
    /// <summary>What fills the bias (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the depthwise kernel added to the training loss; null for none.</summary>
    public Regularizer? DepthwiseRegularizer { get; }
    /// <summary>The penalty on the pointwise kernel added to the training loss; null for none.</summary>
    public Regularizer? PointwiseRegularizer { get; }
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the depthwise kernel after each optimizer step; null for none.</summary>
    public Constraint? DepthwiseConstraint { get; }
    /// <summary>The projection applied to the pointwise kernel after each optimizer step; null for none.</summary>
    public Constraint? PointwiseConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var depthwise = DepthwiseConv1D.StepsShape(this, inputShape, KernelSize, Strides, DilationRate, Padding, DepthMultiplier);
        _depthwise = AddWeight("depthwise_kernel", new Shape(KernelSize, inputShape[1], DepthMultiplier), DepthwiseInitializer, true,
            DepthwiseRegularizer, DepthwiseConstraint);
        _pointwise = AddWeight("pointwise_kernel", new Shape(1, depthwise[1], Filters), PointwiseInitializer, true, PointwiseRegularizer, PointwiseConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>(output steps, filters), the length of the depthwise step.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) =>
        new(DepthwiseConv1D.StepsShape(this, inputShape, KernelSize, Strides, DilationRate, Padding, DepthMultiplier)[0], Filters);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var h = DepthwiseConv1D.Depthwise(this, x, _depthwise!.Value, null, Strides, DilationRate, Padding); // (batch, steps', C·M)
        int batch = h.Shape[0], steps = h.Shape[1], channels = h.Shape[2];
        var rows = Ops.Reshape(h, batch * steps, channels);
        var y = Ops.Linear(rows, Ops.Reshape(_pointwise!.Value, channels, Filters), _bias?.Value);
        return WithActivityPenalty(Activation.Apply(Ops.Reshape(y, batch, steps, Filters)));
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
        config["depth_multiplier"] = DepthMultiplier;
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        config["depthwise_initializer"] = DepthwiseInitializer.ToConfig();
        config["pointwise_initializer"] = PointwiseInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "depthwise_regularizer", DepthwiseRegularizer);
        ConfigObjects.Put(config, "pointwise_regularizer", PointwiseRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "depthwise_constraint", DepthwiseConstraint);
        ConfigObjects.Put(config, "pointwise_constraint", PointwiseConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        return config;
    }

    /// <summary>Keras writes 1-D sizes as [n]; a plain number is accepted too.</summary>
    internal static SeparableConv1D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.RequiredSize("filters"), c.OneSize("kernel_size", null), c.OneSize("strides", 1), c.Padding(), c.OneSize("dilation_rate", 1),
            c.Int("depth_multiplier", 1, 1, int.MaxValue), c.Activation("activation"), c.Bool("use_bias", true),
            c.Initializer("depthwise_initializer", "glorot_uniform"), c.Initializer("pointwise_initializer", "glorot_uniform"),
            c.Initializer("bias_initializer", "zeros"), c.Name, c.Shape("input_shape"),
            c.Regularizer("depthwise_regularizer"), c.Regularizer("pointwise_regularizer"), c.Regularizer("bias_regularizer"),
            c.Regularizer("activity_regularizer"), c.Constraint("depthwise_constraint"), c.Constraint("pointwise_constraint"),
            c.Constraint("bias_constraint"));
    }
}
