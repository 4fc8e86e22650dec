using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Max pooling over channels-last images; strides default to the pool size.</summary>
public sealed class MaxPooling2D((int H, int W)? poolSize = null, (int H, int W)? strides = null, Padding padding = default,
    string? name = null, int[]? inputShape = null) : Pooling2D(poolSize, strides, padding, name, inputShape)
{
    /// <summary>
    /// A square pool, as Keras's <c>MaxPooling2D(2)</c> or <c>MaxPooling2D(pool_size=3, strides=1, padding="same")</c>: an int
    /// pool size and stride apply to both axes (the stride defaults to the pool size).
    /// </summary>
    public MaxPooling2D(int poolSize, int? strides = null, Padding padding = default, string? name = null, int[]? inputShape = null)
        : this((poolSize, poolSize), strides is int s ? (s, s) : null, padding, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "MaxPooling2D";

    /// <inheritdoc/>
    protected override Tensor Pool(Tensor x) => Ops.MaxPool2D(x, PoolSize, Strides, Padding == Padding.Same);

    internal static MaxPooling2D FromConfig(LayerConfig c)
    {
        var (pool, strides, padding, name, inputShape) = ReadConfig(c);
        return new(pool, strides, padding, name, inputShape);
    }
}
