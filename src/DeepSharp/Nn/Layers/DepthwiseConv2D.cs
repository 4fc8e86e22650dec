using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise 2-D convolution (Keras's DepthwiseConv2D) over channels-last images: each input channel
/// is convolved with its own <see cref="DepthwiseConvolution{TSize}.DepthMultiplier"/> filters and nothing mixes channels. Kernel
/// (kh, kw, channels, depth_multiplier), bias (channels · depth_multiplier); output channel c·M + m is
/// channel c through its filter m. Sizes and padding as <see cref="Conv2D"/>.
/// </summary>
public sealed class DepthwiseConv2D : DepthwiseConvolution<(int H, int W)>
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
    public DepthwiseConv2D((int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = default,
        int depthMultiplier = 1, Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), depthMultiplier, ConvolutionWeight.Of("depthwise", depthwiseInitializer, depthwiseRegularizer, depthwiseConstraint))
    {
    }

    /// <summary>A square kernel and stride, as Keras's <c>DepthwiseConv2D(3)</c>.</summary>
    public DepthwiseConv2D(int kernelSize, int strides = 1, Padding padding = default, int depthMultiplier = 1,
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

    private DepthwiseConv2D(ConvolutionArguments<(int H, int W)> arguments, int depthMultiplier, ConvolutionWeight depthwise)
        : base(ConvolutionRank.Two, arguments, depthMultiplier, depthwise)
    {
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var output = ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], DepthMultiplier), KernelOptions(0));
        _bias = AddBias(output[2]);
    }

    /// <summary>(output height, output width, channels · depth_multiplier).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => DepthwiseOutputShape(inputShape);

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

    internal static DepthwiseConv2D FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<(int H, int W)>.Read(c, ConvolutionRank.Two), c.Int("depth_multiplier", 1, 1, int.MaxValue), ConvolutionWeight.Read(c, "depthwise"));
}
