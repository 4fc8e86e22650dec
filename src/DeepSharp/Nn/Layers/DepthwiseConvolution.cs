using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// A depthwise convolution (DepthwiseConv1D/2D, and the first step of SeparableConv1D/2D): each input channel through
/// <see cref="DepthMultiplier"/> filters of its own; output channel c·M + m is channel c through its filter m. Its kernel's
/// options are Keras's depthwise_initializer, depthwise_regularizer and depthwise_constraint.
/// </summary>
public abstract class DepthwiseConvolution<TSize> : ConvolutionLayer<TSize> where TSize : struct
{
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation rate or the multiplier is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    private protected DepthwiseConvolution(ConvolutionRank<TSize> rank, ConvolutionArguments<TSize> a, int depthMultiplier,
        params ConvolutionWeight[] kernels) : base(rank, a, kernels) =>
        DepthMultiplier = ConvolutionConfig.Positive(depthMultiplier, TypeName, nameof(depthMultiplier));

    /// <summary>Depthwise filters per input channel.</summary>
    public int DepthMultiplier { get; }
    /// <summary>What fills the depthwise kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer DepthwiseInitializer => KernelOptions(0).Initializer;
    /// <summary>The penalty on the depthwise kernel added to the training loss; null for none.</summary>
    public Regularizer? DepthwiseRegularizer => KernelOptions(0).Regularizer;
    /// <summary>The projection applied to the depthwise kernel after each optimizer step; null for none.</summary>
    public Constraint? DepthwiseConstraint => KernelOptions(0).Constraint;

    private protected override void PutAfterPadding(JsonObject config) => config["depth_multiplier"] = DepthMultiplier;

    /// <summary>(output sizes…, channels · depth_multiplier): the depthwise step's output.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (axes…, channels), the window does not fit it, or the channels overflow.</exception>
    private protected Shape DepthwiseOutputShape(Shape inputShape)
    {
        int[] sizes = WindowOutputSizes(inputShape);
        int inputChannels = inputShape[sizes.Length];
        long channels = (long)inputChannels * DepthMultiplier;
        if (channels > int.MaxValue)
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}): {inputChannels} channels × depth_multiplier {DepthMultiplier} exceeds 2^31 − 1.");
        return new Shape([.. sizes, (int)channels]);
    }
}
