using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What max and average pooling share: pool size, strides (default: the pool size), padding,
/// output shape and config. Subclasses say how a window is reduced.
/// </summary>
public abstract class Pooling2D : Layer
{
    /// <param name="poolSize">(height, width) of the pooling window; null for (2, 2).</param>
    /// <param name="strides">Step between windows along (height, width); null for the pool size (windows side by side).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (windows inside the image) or <see cref="Padding.Same"/> (output ⌈size/stride⌉; border windows reach past the edge).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A pool size or stride is not positive.</exception>
    protected Pooling2D((int H, int W)? poolSize, (int H, int W)? strides, Padding padding, string? name, int[]? inputShape)
        : base(name, inputShape)
    {
        PoolSize = poolSize ?? (2, 2);
        Strides = strides ?? PoolSize;
        if (PoolSize.H <= 0 || PoolSize.W <= 0 || Strides.H <= 0 || Strides.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), $"{TypeName} pool size {PoolSize} and strides {Strides} must be positive.");
        Padding = padding.For(TypeName);
    }

    /// <summary>(height, width) of the pooling window.</summary>
    public (int H, int W) PoolSize { get; }
    /// <summary>Step between windows along (height, width); the pool size unless given.</summary>
    public (int H, int W) Strides { get; }
    /// <summary>Valid (windows inside the image) or Same (output ⌈size/stride⌉ along each axis).</summary>
    public Padding Padding { get; }

    /// <summary>(output height, output width, channels): channels are kept; the sizes follow <see cref="PoolSize"/>, <see cref="Strides"/> and <see cref="Padding"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[0], PoolSize.H, Strides.H, 1, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[1], PoolSize.W, Strides.W, 1, Padding);
        return new Shape(h, w, inputShape[2]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw ShapeError("(batch, height, width, channels)", x.Shape.WithoutBatch());
        return Pool(x);
    }

    /// <summary>Pools a (batch, height, width, channels) tensor.</summary>
    protected abstract Tensor Pool(Tensor x);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = Naming.Pair(PoolSize);
        config["strides"] = Naming.Pair(Strides);
        config["padding"] = Padding.ToName();
        return config;
    }

    /// <summary>The constructor arguments a pooling config holds.</summary>
    internal static ((int, int) PoolSize, (int, int)? Strides, Padding Padding, string? Name, int[]? InputShape) ReadConfig(LayerConfig c) => (
        c.Pair("pool_size", (2, 2)),
        c.OptionalPair("strides"),
        c.Padding(),
        c.Name,
        c.Shape("input_shape"));
}
