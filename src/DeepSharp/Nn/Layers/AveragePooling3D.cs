using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Average pooling over channels-last volumes (batch, depth, height, width, channels); strides default
/// to the pool size. With "same" padding a border window averages only the voxels it covers (as Keras).
/// </summary>
public sealed class AveragePooling3D((int D, int H, int W)? poolSize = null, (int D, int H, int W)? strides = null, Padding padding = default,
    string? name = null, int[]? inputShape = null) : Pooling3D(poolSize, strides, padding, name, inputShape)
{
    /// <summary>A cubic pool, as Keras's <c>AveragePooling3D(2)</c>; an int stride applies to every axis (default: the pool size).</summary>
    public AveragePooling3D(int poolSize, int? strides = null, Padding padding = default, string? name = null, int[]? inputShape = null)
        : this((poolSize, poolSize, poolSize), strides is int s ? (s, s, s) : null, padding, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "AveragePooling3D";

    /// <inheritdoc/>
    protected override Tensor Pool(Tensor x) => Ops.AvgPool3D(x, PoolSize, Strides, Padding == Padding.Same);

    internal static AveragePooling3D FromConfig(LayerConfig c)
    {
        var (pool, strides, padding, name, inputShape) = ReadConfig(c);
        return new(pool, strides, padding, name, inputShape);
    }
}
