using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Maximum over depth, height and width of channels-last volumes: (batch, d, h, w, c) → (batch, c); the gradient goes to the first maximum.</summary>
public sealed class GlobalMaxPooling3D(bool keepDims = false, string? name = null, int[]? inputShape = null) : GlobalPooling3D(keepDims, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalMaxPooling3D";

    private protected override Tensor Pool(Tensor planes, (int H, int W) window) => Ops.MaxPool2D(planes, window, (1, 1), false);

    internal static GlobalMaxPooling3D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.Bool("keepdims", false), c.Name, c.Shape("input_shape"));
    }
}
