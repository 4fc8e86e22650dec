using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 2-D convolution over channels-last images (batch, height, width, channels); kernel
/// (kh, kw, in_channels, filters), bias (filters).
/// </summary>
public sealed class Conv2D : KernelConvolution<(int H, int W)>
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">(height, width) of the convolution window.</param>
    /// <param name="strides">Step between windows along (height, width); null for (1, 1). Above 1 only with a dilation rate of (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default) or <see cref="Padding.Same"/> (output ⌈size/stride⌉ along each axis).</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="dilationRate">Spacing between the window's taps along (height, width) (Keras's <c>dilation_rate</c>); null for (1, 1).</param>
    /// <param name="kernelInitializer">Fills the (kh, kw, channels, filters) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public Conv2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = default,
        Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), filters, ConvolutionWeight.Of("kernel", kernelInitializer, kernelRegularizer, kernelConstraint))
    {
    }

    /// <summary>A square kernel, as Keras's <c>Conv2D(32, 3)</c>; the arguments are those of the main constructor.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = default,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias, name: name, inputShape: inputShape,
            kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, activityRegularizer: activityRegularizer,
            kernelConstraint: kernelConstraint, biasConstraint: biasConstraint)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv2D";

    private Conv2D(ConvolutionArguments<(int H, int W)> arguments, int filters, ConvolutionWeight kernel)
        : base(ConvolutionRank.Two, arguments, filters, kernel)
    {
    }

    private protected override bool WritesDataFormat => false;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], Filters), KernelOptions(0));
        _bias = AddBias(Filters);
    }

    /// <summary>(output height, output width, filters), the sizes set by <see cref="Padding"/>, <see cref="ConvolutionLayer{TSize}.Strides"/> and <see cref="ConvolutionLayer{TSize}.DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        int[] sizes = WindowOutputSizes(inputShape);
        return new Shape(sizes[0], sizes[1], Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4 || x.Shape[3] != _kernel!.Shape[2])
            throw ShapeError($"(batch, height, width, {_kernel!.Shape[2]})", x.Shape.WithoutBatch());
        if (Activation == Activation.Relu) // fused: one pass over the output instead of two
            return WithActivityPenalty(Ops.Conv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate, relu: true));
        var y = Ops.Conv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate);
        return WithActivityPenalty(Activation.Apply(y));
    }

    /// <summary>
    /// This layer and <paramref name="pool"/> after it in one training pass (<see cref="Ops.Conv2DMaxPool"/>):
    /// both built, neither with an activity regularizer, a 'valid' ReLU or linear convolution and a
    /// 'valid' pool whose strides equal its size. Null (nothing run) otherwise: the caller calls both layers.
    /// </summary>
    internal Tensor? TryForwardPooled(Tensor x, MaxPooling2D pool)
    {
        if (!IsBuilt || !pool.IsBuilt || ActivityRegularizer is not null || pool.ActivityRegularizer is not null || Padding != Padding.Valid
            || (Activation != Activation.Relu && Activation != Activation.Linear)
            || pool.Padding != Padding.Valid || pool.Strides != pool.PoolSize || x.Rank != 4 || x.Shape[3] != _kernel!.Shape[2])
            return null;
        Build(x.Shape.WithoutBatch()); // built: checks the input shape as a call does (the pool's then follows)
        return Ops.Conv2DMaxPool(x, _kernel.Value, _bias?.Value, Strides, DilationRate, Activation == Activation.Relu, pool.PoolSize);
    }

    internal static Conv2D FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<(int H, int W)>.Read(c, ConvolutionRank.Two), c.RequiredSize("filters"), ConvolutionWeight.Read(c, "kernel"));
}
