using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Maximum over height and width of channels-last images: (batch, h, w, c) → (batch, c), or (batch, 1, 1, c) with keepDims.</summary>
public sealed class GlobalMaxPooling2D(bool keepDims = false, string? name = null, int[]? inputShape = null) : GlobalPooling2D(keepDims, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalMaxPooling2D";

    // One window covering the whole image; the gradient goes to the first maximum, as in MaxPooling2D.
    private protected override Tensor Pool(Tensor images, (int H, int W) window) => Ops.MaxPool2D(images, window, (1, 1), false);

    internal static GlobalMaxPooling2D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.Bool("keepdims", false), c.Name, c.Shape("input_shape"));
    }
}
