using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise separable 2-D convolution (Keras's SeparableConv2D): a depthwise convolution (each channel
/// through <see cref="DepthwiseConvolution{TSize}.DepthMultiplier"/> filters of its own, see <see cref="DepthwiseConv2D"/>), then a
/// 1×1 pointwise convolution into <see cref="SeparableConvolution{TSize}.Filters"/> channels, then the bias and activation.
/// Weights: depthwise_kernel (kh, kw, channels, depth_multiplier), pointwise_kernel
/// (1, 1, channels · depth_multiplier, filters), bias (filters).
/// </summary>
public sealed class SeparableConv2D : SeparableConvolution<(int H, int W)>
{
    private Parameter? _depthwise, _pointwise, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">(height, width) of the depthwise window.</param>
    /// <param name="strides">Step between windows; null for (1, 1). Above 1 only with a dilation rate of (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/>.</param>
    /// <param name="depthMultiplier">Depthwise filters per input channel.</param>
    /// <param name="activation">Applied to the output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="dilationRate">Spacing between the depthwise window's taps; null for (1, 1).</param>
    /// <param name="depthwiseInitializer">Fills the depthwise kernel; null for glorot_uniform.</param>
    /// <param name="pointwiseInitializer">Fills the pointwise kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="depthwiseRegularizer">A penalty on the depthwise kernel added to the training loss (Keras's <c>depthwise_regularizer</c>); null for none.</param>
    /// <param name="pointwiseRegularizer">A penalty on the pointwise kernel (Keras's <c>pointwise_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="depthwiseConstraint">A projection of the depthwise kernel after each optimizer step (Keras's <c>depthwise_constraint</c>); null for none.</param>
    /// <param name="pointwiseConstraint">A projection of the pointwise kernel after each optimizer step (Keras's <c>pointwise_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the multiplier is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public SeparableConv2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = default,
        int depthMultiplier = 1, Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? depthwiseInitializer = null, Initializer? pointwiseInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? pointwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? depthwiseConstraint = null, Constraint? pointwiseConstraint = null,
        Constraint? biasConstraint = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), filters, depthMultiplier,
            ConvolutionWeight.Of("depthwise", depthwiseInitializer, depthwiseRegularizer, depthwiseConstraint),
            ConvolutionWeight.Of("pointwise", pointwiseInitializer, pointwiseRegularizer, pointwiseConstraint))
    {
    }

    /// <summary>A square kernel and stride, as Keras's <c>SeparableConv2D(32, 3)</c>.</summary>
    public SeparableConv2D(int filters, int kernelSize, int strides = 1, Padding padding = default, int depthMultiplier = 1,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? pointwiseRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? depthwiseConstraint = null, Constraint? pointwiseConstraint = null,
        Constraint? biasConstraint = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, depthMultiplier, activation, useBias, name: name, inputShape: inputShape,
            depthwiseRegularizer: depthwiseRegularizer, pointwiseRegularizer: pointwiseRegularizer, biasRegularizer: biasRegularizer,
            activityRegularizer: activityRegularizer, depthwiseConstraint: depthwiseConstraint, pointwiseConstraint: pointwiseConstraint,
            biasConstraint: biasConstraint)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "SeparableConv2D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "separable_conv2d";

    private SeparableConv2D(ConvolutionArguments<(int H, int W)> arguments, int filters, int depthMultiplier, ConvolutionWeight depthwise, ConvolutionWeight pointwise)
        : base(ConvolutionRank.Two, arguments, filters, depthMultiplier, depthwise, pointwise)
    {
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var depthwise = DepthwiseOutputShape(inputShape);
        _depthwise = AddKernel("depthwise_kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], DepthMultiplier), KernelOptions(0));
        _pointwise = AddKernel("pointwise_kernel", new Shape(1, 1, depthwise[2], Filters), KernelOptions(1));
        _bias = AddBias(Filters);
    }

    /// <summary>(output height, output width, filters), the spatial sizes of the depthwise step.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var depthwise = DepthwiseOutputShape(inputShape);
        return new Shape(depthwise[0], depthwise[1], Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int c = _depthwise!.Shape[2];
        if (x.Rank != 4 || x.Shape[3] != c) throw ShapeError($"(batch, height, width, {c})", x.Shape.WithoutBatch());
        Tensor y;
        try
        {
            var h = Ops.DepthwiseConv2D(x, _depthwise.Value, null, Strides, Padding == Padding.Same, DilationRate);
            y = Ops.Conv2D(h, _pointwise!.Value, _bias?.Value, (1, 1), samePadding: false);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
        return WithActivityPenalty(Activation.Apply(y));
    }

    internal static SeparableConv2D FromConfig(LayerConfig c)
    {
        var (arguments, filters, depthMultiplier, depthwise, pointwise) = ReadSeparable(c, ConvolutionRank.Two);
        return new(arguments, filters, depthMultiplier, depthwise, pointwise);
    }
}
