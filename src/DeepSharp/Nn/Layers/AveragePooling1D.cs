using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Average pooling over (batch, steps, channels); strides default to the pool size. With "same"
/// padding a border window averages only the steps it covers (padding is not counted, as in Keras).
/// </summary>
public sealed class AveragePooling1D(int poolSize = 2, int? strides = null, Padding padding = default, string? name = null, int[]? inputShape = null)
    : Pooling1D(poolSize, strides, padding, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "AveragePooling1D";

    /// <inheritdoc/>
    protected override Tensor Pool(Tensor x, (int H, int W) poolSize, (int H, int W) strides, bool samePadding) =>
        Ops.AvgPool2D(x, poolSize, strides, samePadding);

    internal static AveragePooling1D FromConfig(LayerConfig c)
    {
        var (pool, strides, padding, name, inputShape) = ReadConfig(c);
        return new(pool, strides, padding, name, inputShape);
    }
}
