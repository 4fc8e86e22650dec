using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Repeats each voxel of channels-last volumes size.D times along the depth, size.H times along the
/// height and size.W times along the width (Keras's UpSampling3D, nearest neighbour):
/// (d, h, w, c) → (d·size.D, h·size.H, w·size.W, c). No weights.
/// </summary>
public sealed class UpSampling3D : Layer
{
    /// <param name="size">The repeat factors along (depth, height, width); null for (2, 2, 2), Keras's default.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is not positive.</exception>
    public UpSampling3D((int D, int H, int W)? size = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Size = VolumeConfig.Positive(size ?? (2, 2, 2), "UpSampling3D", nameof(size));
    }

    /// <summary>The same factor along all three axes, as Keras's <c>UpSampling3D(3)</c>.</summary>
    public UpSampling3D(int size, string? name = null, int[]? inputShape = null) : this((size, size, size), name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "UpSampling3D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "up_sampling3d";
    /// <summary>The repeat factors along (depth, height, width).</summary>
    public (int D, int H, int W) Size { get; }

    /// <summary>(depth·size.D, height·size.H, width·size.W, channels).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (depth, height, width, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4) throw ShapeError("(batch, depth, height, width, channels)", inputShape);
        long d = (long)inputShape[0] * Size.D, h = (long)inputShape[1] * Size.H, w = (long)inputShape[2] * Size.W;
        if ((double)d * h * w * inputShape[3] > int.MaxValue)
            throw new ShapeMismatchException(
                $"Layer '{Name}' (UpSampling3D): size {Size} makes inputs {inputShape.ToBatchString()} larger than 2^31 − 1 elements per sample.");
        return new Shape((int)d, (int)h, (int)w, inputShape[3]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 5) throw ShapeError("(batch, depth, height, width, channels)", x.Shape.WithoutBatch());
        var o = ComputeOutputShape(x.Shape.WithoutBatch());
        int n = x.Shape[0], d = x.Shape[1];
        try
        {
            // Height and width: UpSampling2D's nearest repeat over the (n·d) planes; depth: the same over
            // (n, d, 1, plane) views, each plane one "pixel" of h'·w'·c channels.
            var planes = Ops.UpSampling2D(Ops.Reshape(x, n * d, x.Shape[2], x.Shape[3], x.Shape[4]), (Size.H, Size.W), bilinear: false);
            var deep = Ops.UpSampling2D(Ops.Reshape(planes, n, d, 1, o[1] * o[2] * o[3]), (Size.D, 1), bilinear: false);
            return Ops.Reshape(deep, n, o[0], o[1], o[2], o[3]);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["size"] = VolumeConfig.Triple(Size);
        config["data_format"] = "channels_last";
        return config;
    }

    internal static UpSampling3D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(VolumeConfig.Triple(c, "size", (2, 2, 2)), c.Name, c.Shape("input_shape"));
    }
}
