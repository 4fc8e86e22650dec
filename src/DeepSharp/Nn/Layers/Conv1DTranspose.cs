using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Transposed 1-D convolution (Keras's Conv1DTranspose) over (batch, steps, channels): the input
/// gradient of a <see cref="Conv1D"/>, run as a <see cref="Conv2DTranspose"/> of height 1 (free views).
/// Kernel (kernel_size, filters, in_channels), bias (filters). Output steps, with k the dilated kernel extent: "valid"
/// steps·stride + max(k − stride, 0), "same" steps·stride; with an <c>output_padding</c> p, "valid" (steps − 1)·stride + k + p
/// and "same" (steps − 1)·stride + (k mod 2) + p.
/// </summary>
public sealed class Conv1DTranspose : TransposedConvolution<int>
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
    /// <param name="outputPadding">Keras's <c>output_padding</c>: fixes the output length (see the class summary); below the stride. Null (the default) lets the padding decide.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive, or the output padding is negative.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1, or the output padding is not below the stride.</exception>
    public Conv1DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = default, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, int? outputPadding = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), filters, ConvolutionWeight.Of("kernel", kernelInitializer, kernelRegularizer, kernelConstraint), outputPadding)
    {
    }

    private Conv1DTranspose(ConvolutionArguments<int> arguments, int filters, ConvolutionWeight kernel, int? outputPadding)
        : base(ConvolutionRank.One, arguments, filters, kernel, outputPadding)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv1DTranspose";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "conv1d_transpose";

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize, Filters, inputShape[1]), KernelOptions(0));
        _bias = AddBias(Filters);
    }

    /// <summary>(output steps, filters); see the class summary for the length.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckInputRank(inputShape);
        var g = ConvolutionConfig.Axis(this, "steps", inputShape, () => Ops.Conv2DTransposeGeometryOf(1, (1, inputShape[0]), inputShape[1], Filters,
            (1, KernelSize), (1, Strides), Padding == Padding.Same, (1, DilationRate), ImageOutputPadding));
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
            y = Ops.Conv2DTranspose(image, kernel, _bias?.Value, (1, Strides), Padding == Padding.Same, (1, DilationRate), ImageOutputPadding);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
        return WithActivityPenalty(Activation.Apply(Ops.Reshape(y, x.Shape[0], y.Shape[2], Filters)));
    }

    /// <summary>The output padding of the height-1 image this layer runs as (none along the height).</summary>
    internal (int H, int W)? ImageOutputPadding => OutputPadding is { } p ? (0, p) : null;

    internal static Conv1DTranspose FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<int>.Read(c, ConvolutionRank.One), c.RequiredSize("filters"), ConvolutionWeight.Read(c, "kernel"),
            ReadOutputPadding(c, ConvolutionRank.One));
}
