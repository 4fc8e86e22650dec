using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 3-D convolution over channels-last volumes (batch, depth, height, width, channels), e.g. video clips
/// or medical scans; kernel (kd, kh, kw, in_channels / groups, filters), bias (filters).
/// </summary>
public sealed class Conv3D : KernelConvolution<(int D, int H, int W)>
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels; a multiple of <paramref name="groups"/>.</param>
    /// <param name="kernelSize">(depth, height, width) of the convolution window.</param>
    /// <param name="strides">Step between windows along (depth, height, width); null for (1, 1, 1). Above 1 only with a dilation rate of (1, 1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default) or <see cref="Padding.Same"/> (output ⌈size/stride⌉ along each axis).</param>
    /// <param name="dilationRate">Spacing between the window's taps along (depth, height, width) (Keras's <c>dilation_rate</c>); null for (1, 1, 1).</param>
    /// <param name="groups">Splits the input channels and the filters into this many independent convolutions (Keras's <c>groups</c>; 1, the default, for an ordinary convolution).</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="kernelInitializer">Fills the (kd, kh, kw, channels / groups, filters) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the groups is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1, or the groups do not divide the filters.</exception>
    public Conv3D(int filters, (int D, int H, int W) kernelSize, (int D, int H, int W)? strides = null, Padding padding = default,
        (int D, int H, int W)? dilationRate = null, int groups = 1, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : this(new(kernelSize, strides, padding, dilationRate, activation, useBias, ConvolutionWeight.Of("bias", biasInitializer, biasRegularizer, biasConstraint),
            activityRegularizer, name, inputShape), filters, groups, ConvolutionWeight.Of("kernel", kernelInitializer, kernelRegularizer, kernelConstraint))
    {
    }

    /// <summary>A cubic kernel, as Keras's <c>Conv3D(16, 3)</c>; the arguments are those of the main constructor.</summary>
    public Conv3D(int filters, int kernelSize, int strides = 1, Padding padding = default,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null, int groups = 1)
        : this(filters, (kernelSize, kernelSize, kernelSize), (strides, strides, strides), padding, groups: groups,
            activation: activation, useBias: useBias, name: name, inputShape: inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv3D";

    private Conv3D(ConvolutionArguments<(int D, int H, int W)> arguments, int filters, int groups, ConvolutionWeight kernel)
        : base(ConvolutionRank.Three, arguments, filters, kernel)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "Conv3D groups must be positive.");
        if (filters % groups != 0)
            throw new ArgumentException($"Conv3D: filters {filters} must be a multiple of groups {groups}.", nameof(groups));
        Groups = groups;
    }

    /// <summary>Independent convolutions the channels are split into (1: an ordinary convolution).</summary>
    public int Groups { get; }

    private protected override void PutAfterDilation(JsonObject config) => config["groups"] = Groups;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddKernel("kernel", new Shape(KernelSize.D, KernelSize.H, KernelSize.W, inputShape[3] / Groups, Filters), KernelOptions(0));
        _bias = AddBias(Filters);
    }

    /// <summary>(output depth, output height, output width, filters), the sizes set by <see cref="Padding"/>, <see cref="ConvolutionLayer{TSize}.Strides"/> and <see cref="ConvolutionLayer{TSize}.DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (depth, height, width, channels), the groups do not divide the channels, or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4) throw ShapeError("(batch, depth, height, width, channels)", inputShape);
        if (inputShape[3] % Groups != 0)
            throw new ShapeMismatchException(
                $"Layer '{Name}' (Conv3D): inputs {inputShape.ToBatchString()} have {inputShape[3]} channels, not a multiple of groups {Groups}.");
        int[] sizes = WindowOutputSizes(inputShape);
        return new Shape(sizes[0], sizes[1], sizes[2], Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[3] * Groups;
        if (x.Rank != 5 || x.Shape[4] != cin)
            throw ShapeError($"(batch, depth, height, width, {cin})", x.Shape.WithoutBatch());
        try
        {
            var y = Ops.Conv3D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate, Groups);
            return WithActivityPenalty(Activation.Apply(y));
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
    }

    internal static Conv3D FromConfig(LayerConfig c) =>
        new(ConvolutionArguments<(int D, int H, int W)>.Read(c, ConvolutionRank.Three), c.RequiredSize("filters"), c.Int("groups", 1, 1, int.MaxValue),
            ConvolutionWeight.Read(c, "kernel"));
}
