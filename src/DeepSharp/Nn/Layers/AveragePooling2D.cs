using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Average pooling over channels-last images; strides default to the pool size, padding to
/// "valid". With "same" padding a border window averages only the real elements it covers.
/// </summary>
public sealed class AveragePooling2D((int H, int W)? poolSize = null, (int H, int W)? strides = null, Padding padding = default,
    string? name = null, int[]? inputShape = null) : Pooling2D(poolSize, strides, padding, name, inputShape)
{
    /// <summary>
    /// A square pool, as Keras's <c>AveragePooling2D(2)</c> or <c>AveragePooling2D(pool_size=3, strides=1, padding="same")</c>: an int
    /// pool size and stride apply to both axes (the stride defaults to the pool size).
    /// </summary>
    public AveragePooling2D(int poolSize, int? strides = null, Padding padding = default, string? name = null, int[]? inputShape = null)
        : this((poolSize, poolSize), strides is int s ? (s, s) : null, padding, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "AveragePooling2D";

    /// <inheritdoc/>
    protected override Tensor Pool(Tensor x) => Ops.AvgPool2D(x, PoolSize, Strides, Padding == Padding.Same);

    internal static AveragePooling2D FromConfig(LayerConfig c)
    {
        var (pool, strides, padding, name, inputShape) = ReadConfig(c);
        return new(pool, strides, padding, name, inputShape);
    }
}
