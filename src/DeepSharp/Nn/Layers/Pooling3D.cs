using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What 3-D max and average pooling share: pool size, strides (default: the pool size), padding,
/// output shape and config. Subclasses say how a window is reduced.
/// </summary>
public abstract class Pooling3D : Layer
{
    /// <param name="poolSize">(depth, height, width) of the pooling window; null for (2, 2, 2).</param>
    /// <param name="strides">Step between windows along (depth, height, width); null for the pool size (windows side by side).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (windows inside the volume) or <see cref="Padding.Same"/> (output ⌈size/stride⌉; border windows reach past the edge).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A pool size or stride is not positive.</exception>
    protected Pooling3D((int D, int H, int W)? poolSize, (int D, int H, int W)? strides, Padding padding, string? name, int[]? inputShape)
        : base(name, inputShape)
    {
        PoolSize = poolSize ?? (2, 2, 2);
        Strides = strides ?? PoolSize;
        if (PoolSize.D <= 0 || PoolSize.H <= 0 || PoolSize.W <= 0 || Strides.D <= 0 || Strides.H <= 0 || Strides.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), $"{TypeName} pool size {PoolSize} and strides {Strides} must be positive.");
        Padding = padding.For(TypeName);
    }

    /// <summary>(depth, height, width) of the pooling window.</summary>
    public (int D, int H, int W) PoolSize { get; }
    /// <summary>Step between windows along (depth, height, width); the pool size unless given.</summary>
    public (int D, int H, int W) Strides { get; }
    /// <summary>Valid (windows inside the volume) or Same (output ⌈size/stride⌉ along each axis).</summary>
    public Padding Padding { get; }

    /// <summary>(output depth, output height, output width, channels): channels are kept; the sizes follow <see cref="PoolSize"/>, <see cref="Strides"/> and <see cref="Padding"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (depth, height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4) throw ShapeError("(batch, depth, height, width, channels)", inputShape);
        int d = ConvAxis.OutputSize(this, "depth", inputShape, inputShape[0], PoolSize.D, Strides.D, 1, Padding);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[1], PoolSize.H, Strides.H, 1, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[2], PoolSize.W, Strides.W, 1, Padding);
        return new Shape(d, h, w, inputShape[3]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 5) throw ShapeError("(batch, depth, height, width, channels)", x.Shape.WithoutBatch());
        ComputeOutputShape(x.Shape.WithoutBatch());
        try
        {
            return Pool(x);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
    }

    /// <summary>Pools a (batch, depth, height, width, channels) tensor.</summary>
    protected abstract Tensor Pool(Tensor x);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = VolumeConfig.Triple(PoolSize);
        config["strides"] = VolumeConfig.Triple(Strides);
        config["padding"] = Padding.ToName();
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>The constructor arguments a 3-D pooling config holds.</summary>
    internal static ((int, int, int) PoolSize, (int, int, int)? Strides, Padding Padding, string? Name, int[]? InputShape) ReadConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return (VolumeConfig.Triple(c, "pool_size", (2, 2, 2)), VolumeConfig.OptionalTriple(c, "strides"), c.Padding(), c.Name, c.Shape("input_shape"));
    }
}
