using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Mean over depth, height and width of channels-last volumes: (batch, d, h, w, c) → (batch, c).</summary>
public sealed class GlobalAveragePooling3D(bool keepDims = false, string? name = null, int[]? inputShape = null) : GlobalPooling3D(keepDims, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalAveragePooling3D";

    private protected override Tensor Pool(Tensor planes, (int H, int W) window) => Ops.AvgPool2D(planes, window, (1, 1), false);

    internal static GlobalAveragePooling3D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.Bool("keepdims", false), c.Name, c.Shape("input_shape"));
    }
}
