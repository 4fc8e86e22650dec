using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Depthwise 1-D convolution (Keras's DepthwiseConv1D) over (batch, steps, channels): each channel is
/// convolved with its own <see cref="DepthwiseConvolution{TSize}.DepthMultiplier"/> filters and nothing mixes channels. Kernel
/// (kernel_size, channels, depth_multiplier), bias (channels · depth_multiplier); output channel c·M + m
/// is channel c through its filter m. Sizes and padding as <see cref="Conv1D"/>; runs as a
/// <see cref="DepthwiseConv2D"/> of height 1 (free views of input and kernel).
/// </summary>
public sealed class DepthwiseConv1D : DepthwiseConvolution<int>
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
    public DepthwiseConv1D(int kernelSize, int strides = 1, Padding padding = default, int depthMultiplier = 1, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), depthMultiplier, ConvolutionWeight.Of("depthwise", depthwiseInitializer, depthwiseRegularizer, depthwiseConstraint))
    {
    }

    private DepthwiseConv1D(ConvolutionArguments<int> arguments, int depthMultiplier, ConvolutionWeight depthwise)
        : base(ConvolutionRank.One, arguments, depthMultiplier, depthwise)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "DepthwiseConv1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "depthwise_conv1d";
    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var output = ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize, inputShape[1], DepthMultiplier), KernelOptions(0));
        _bias = AddBias(output[1]);
    }

    /// <summary>(output steps, channels · depth_multiplier).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => DepthwiseOutputShape(inputShape);

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

    /// <summary>Keras writes 1-D sizes as [n]; a plain number is accepted too.</summary>
    internal static DepthwiseConv1D FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<int>.Read(c, ConvolutionRank.One), c.Int("depth_multiplier", 1, 1, int.MaxValue), ConvolutionWeight.Read(c, "depthwise"));
}
