using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Max pooling over (batch, steps, channels); strides default to the pool size. The gradient goes to the first maximum of each window.</summary>
public sealed class MaxPooling1D(int poolSize = 2, int? strides = null, Padding padding = default, string? name = null, int[]? inputShape = null)
    : Pooling1D(poolSize, strides, padding, name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "MaxPooling1D";

    /// <inheritdoc/>
    protected override Tensor Pool(Tensor x, (int H, int W) poolSize, (int H, int W) strides, bool samePadding) =>
        Ops.MaxPool2D(x, poolSize, strides, samePadding);

    internal static MaxPooling1D FromConfig(LayerConfig c)
    {
        var (pool, strides, padding, name, inputShape) = ReadConfig(c);
        return new(pool, strides, padding, name, inputShape);
    }
}
