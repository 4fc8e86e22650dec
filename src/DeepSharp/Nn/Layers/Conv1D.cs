using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 1-D convolution over (batch, steps, channels); kernel (kernel_size, in_channels, filters), bias
/// (filters). Runs as a 2-D convolution of height 1 (free views of input and kernel). Causal padding
/// (Keras's <c>padding="causal"</c>) puts dilation·(kernelSize − 1) zeros before each sequence, then convolves without padding.
/// </summary>
public sealed class Conv1D : KernelConvolution<int>
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Length of the convolution window, in steps.</param>
    /// <param name="strides">Step between windows; above 1 only with a dilation rate of 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default), <see cref="Padding.Same"/> (output length ⌈steps/strides⌉) or
    /// <see cref="Padding.Causal"/> (output length ⌈steps/strides⌉, step t computed from inputs up to t alone); "valid", "same" or "causal" as in Keras.</param>
    /// <param name="dilationRate">Spacing between the window's taps (Keras's <c>dilation_rate</c>); above 1 only with strides of 1.</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="kernelInitializer">Fills the (kernelSize, channels, filters) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1, or the padding is not valid, same or causal.</exception>
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = default, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), filters, ConvolutionWeight.Of("kernel", kernelInitializer, kernelRegularizer, kernelConstraint))
    {
    }

    private Conv1D(ConvolutionArguments<int> arguments, int filters, ConvolutionWeight kernel) : base(ConvolutionRank.One, arguments, filters, kernel)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv1D";

    private protected override bool WritesDataFormat => false;

    private protected override bool TakesCausalPadding => true;

    /// <summary>The zeros causal padding puts before each sequence: dilation·(kernelSize − 1); 0 for valid and same.</summary>
    public int CausalPadding => Padding == Padding.Causal ? DilationRate * (KernelSize - 1) : 0;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize, inputShape[1], Filters), KernelOptions(0));
        _bias = AddBias(Filters);
    }

    /// <summary>(output steps, filters), the length set by <see cref="Padding"/>, <see cref="ConvolutionLayer{TSize}.Strides"/> and <see cref="ConvolutionLayer{TSize}.DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => new(WindowOutputSizes(inputShape)[0], Filters);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[1];
        if (x.Rank != 3 || x.Shape[2] != cin) throw ShapeError($"(batch, steps, {cin})", x.Shape.WithoutBatch());
        var image = Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], cin);
        if (CausalPadding > 0) image = Ops.ZeroPad2D(image, (0, 0), (CausalPadding, 0));
        var kernel = Ops.Reshape(_kernel.Value, 1, KernelSize, cin, Filters);
        var y = Ops.Conv2D(image, kernel, _bias?.Value, (1, Strides), Padding == Padding.Same, (1, DilationRate));
        return WithActivityPenalty(Activation.Apply(Ops.Reshape(y, x.Shape[0], y.Shape[2], Filters)));
    }

    /// <summary>Keras writes 1-D sizes as [n]; a plain number is accepted too.</summary>
    internal static Conv1D FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<int>.Read(c, ConvolutionRank.One), c.RequiredSize("filters"), ConvolutionWeight.Read(c, "kernel"));
}
