using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise separable 1-D convolution (Keras's SeparableConv1D) over (batch, steps, channels): a
/// depthwise convolution (each channel through <see cref="DepthwiseConvolution{TSize}.DepthMultiplier"/> filters of its own, see
/// <see cref="DepthwiseConv1D"/>), then a pointwise (kernel 1) convolution into <see cref="SeparableConvolution{TSize}.Filters"/>
/// channels, then the bias and activation. Weights: depthwise_kernel (kernel_size, channels,
/// depth_multiplier), pointwise_kernel (1, channels · depth_multiplier, filters), bias (filters).
/// </summary>
public sealed class SeparableConv1D : SeparableConvolution<int>
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
    public SeparableConv1D(int filters, int kernelSize, int strides = 1, Padding padding = default, int dilationRate = 1,
        int depthMultiplier = 1, Activation? activation = null, bool useBias = true,
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

    /// <inheritdoc/>
    public override string TypeName => "SeparableConv1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "separable_conv1d";

    private SeparableConv1D(ConvolutionArguments<int> arguments, int filters, int depthMultiplier, ConvolutionWeight depthwise, ConvolutionWeight pointwise)
        : base(ConvolutionRank.One, arguments, filters, depthMultiplier, depthwise, pointwise)
    {
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var depthwise = DepthwiseOutputShape(inputShape);
        _depthwise = AddKernel("depthwise_kernel", new Shape(KernelSize, inputShape[1], DepthMultiplier), KernelOptions(0));
        _pointwise = AddKernel("pointwise_kernel", new Shape(1, depthwise[1], Filters), KernelOptions(1));
        _bias = AddBias(Filters);
    }

    /// <summary>(output steps, filters), the length of the depthwise step.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => new(DepthwiseOutputShape(inputShape)[0], Filters);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var h = DepthwiseConv1D.Depthwise(this, x, _depthwise!.Value, null, Strides, DilationRate, Padding); // (batch, steps', C·M)
        int batch = h.Shape[0], steps = h.Shape[1], channels = h.Shape[2];
        var rows = Ops.Reshape(h, batch * steps, channels);
        var y = Ops.Linear(rows, Ops.Reshape(_pointwise!.Value, channels, Filters), _bias?.Value);
        return WithActivityPenalty(Activation.Apply(Ops.Reshape(y, batch, steps, Filters)));
    }

    internal static SeparableConv1D FromConfig(LayerConfig c)
    {
        var (arguments, filters, depthMultiplier, depthwise, pointwise) = ReadSeparable(c, ConvolutionRank.One);
        return new(arguments, filters, depthMultiplier, depthwise, pointwise);
    }
}
