using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Mean over height and width of channels-last images: (batch, h, w, c) → (batch, c), or (batch, 1, 1, c) with keepDims.</summary>
public sealed class GlobalAveragePooling2D(bool keepDims = false, string? name = null, int[]? inputShape = null) : GlobalPooling2D(keepDims, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalAveragePooling2D";

    // One window covering the whole image: the average-pooling kernel computes the mean.
    private protected override Tensor Pool(Tensor images, (int H, int W) window) => Ops.AvgPool2D(images, window, (1, 1), false);

    internal static GlobalAveragePooling2D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.Bool("keepdims", false), c.Name, c.Shape("input_shape"));
    }
}
