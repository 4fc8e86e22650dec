using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Transposed 2-D convolution (Keras's Conv2DTranspose, sometimes called deconvolution) over
/// channels-last images: the input gradient of a <see cref="Conv2D"/> with the same kernel size,
/// strides, padding and dilation, so it grows images by the strides. Kernel (kh, kw, filters,
/// in_channels), bias (filters). Output size per axis, with k the dilated kernel extent: "valid" in·stride + max(k − stride, 0)
/// (that is (in − 1)·stride + k when k ≥ stride), "same" in·stride; with an <c>output_padding</c> p, "valid"
/// (in − 1)·stride + k + p and "same" (in − 1)·stride + (k mod 2) + p.
/// </summary>
public sealed class Conv2DTranspose : TransposedConvolution<(int H, int W)>
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
    /// <param name="outputPadding">Keras's <c>output_padding</c>: fixes the output size along (height, width) (see the class summary); each below its stride. Null (the default) lets the padding decide.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive, or an output padding is negative.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1, or an output padding is not below its stride.</exception>
    public Conv2DTranspose(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = default,
        Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, (int H, int W)? outputPadding = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), filters, ConvolutionWeight.Of("kernel", kernelInitializer, kernelRegularizer, kernelConstraint), outputPadding)
    {
    }

    /// <summary>
    /// A square kernel and stride, as Keras's <c>Conv2DTranspose(16, 3, strides=2)</c>; <paramref name="outputPadding"/> along
    /// both axes. The arguments are those of the main constructor.
    /// </summary>
    public Conv2DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = default,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, int? outputPadding = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias, name: name, inputShape: inputShape,
            kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, activityRegularizer: activityRegularizer,
            kernelConstraint: kernelConstraint, biasConstraint: biasConstraint, outputPadding: outputPadding is { } p ? (p, p) : null)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv2DTranspose";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "conv2d_transpose";

    private Conv2DTranspose(ConvolutionArguments<(int H, int W)> arguments, int filters, ConvolutionWeight kernel, (int H, int W)? outputPadding)
        : base(ConvolutionRank.Two, arguments, filters, kernel, outputPadding)
    {
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize.H, KernelSize.W, Filters, inputShape[2]), KernelOptions(0));
        _bias = AddBias(Filters);
    }

    /// <summary>(output height, output width, filters); see the class summary for the sizes.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckInputRank(inputShape);
        // The whole geometry of one sample, so that sizes, lengths and the kernel's reach are checked together.
        var g = ConvolutionConfig.Axis(this, "height and width", inputShape, () => Ops.Conv2DTransposeGeometryOf(1, (inputShape[0], inputShape[1]),
            inputShape[2], Filters, KernelSize, Strides, Padding == Padding.Same, DilationRate, OutputPadding));
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
            y = Ops.Conv2DTranspose(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate, OutputPadding);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
        return WithActivityPenalty(Activation.Apply(y));
    }

    internal static Conv2DTranspose FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<(int H, int W)>.Read(c, ConvolutionRank.Two), c.RequiredSize("filters"), ConvolutionWeight.Read(c, "kernel"),
            ReadOutputPadding(c, ConvolutionRank.Two));
}
