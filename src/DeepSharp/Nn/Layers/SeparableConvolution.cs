using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// A depthwise separable convolution (SeparableConv1D/2D): the depthwise step, then a pointwise (1×1) convolution into
/// <see cref="Filters"/> channels, then the bias and activation. The pointwise kernel's options are Keras's
/// pointwise_initializer, pointwise_regularizer and pointwise_constraint.
/// </summary>
public abstract class SeparableConvolution<TSize> : DepthwiseConvolution<TSize> where TSize : struct
{
    /// <exception cref="ArgumentOutOfRangeException">The filters, a size, stride, dilation rate or the multiplier is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    private protected SeparableConvolution(ConvolutionRank<TSize> rank, ConvolutionArguments<TSize> a, int filters, int depthMultiplier,
        ConvolutionWeight depthwise, ConvolutionWeight pointwise) : base(rank, a, depthMultiplier, depthwise, pointwise) =>
        Filters = ConvolutionConfig.Positive(filters, TypeName, nameof(filters));

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>What fills the pointwise kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer PointwiseInitializer => KernelOptions(1).Initializer;
    /// <summary>The penalty on the pointwise kernel added to the training loss; null for none.</summary>
    public Regularizer? PointwiseRegularizer => KernelOptions(1).Regularizer;
    /// <summary>The projection applied to the pointwise kernel after each optimizer step; null for none.</summary>
    public Constraint? PointwiseConstraint => KernelOptions(1).Constraint;

    private protected override void PutLeading(JsonObject config) => config["filters"] = Filters;

    private protected override void PutAfterPadding(JsonObject config) { } // Keras writes SeparableConv's depth_multiplier after dilation_rate

    private protected override void PutAfterDilation(JsonObject config) => config["depth_multiplier"] = DepthMultiplier;

    /// <summary>Keras's config: the common arguments, filters, depth_multiplier and the depthwise and pointwise kernels' options.</summary>
    private protected static (ConvolutionArguments<TSize> Arguments, int Filters, int DepthMultiplier, ConvolutionWeight Depthwise, ConvolutionWeight Pointwise)
        ReadSeparable(LayerConfig c, ConvolutionRank<TSize> rank) =>
        (ConvolutionArguments<TSize>.Read(c, rank), c.RequiredSize("filters"), c.Int("depth_multiplier", 1, 1, int.MaxValue),
            ConvolutionWeight.Read(c, "depthwise"), ConvolutionWeight.Read(c, "pointwise"));
}
