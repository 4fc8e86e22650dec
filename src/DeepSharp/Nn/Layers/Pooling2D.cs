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
    protected Pooling2D((int H, int W)? poolSize, (int H, int W)? strides, Padding padding, string? name, int[]? inputShape)
        : base(name, inputShape)
    {
        PoolSize = poolSize ?? (2, 2);
        Strides = strides ?? PoolSize;
        if (PoolSize.H <= 0 || PoolSize.W <= 0 || Strides.H <= 0 || Strides.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), $"{TypeName} pool size {PoolSize} and strides {Strides} must be positive.");
        Padding = padding;
    }

    public (int H, int W) PoolSize { get; }
    public (int H, int W) Strides { get; }
    public Padding Padding { get; }

    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[0], PoolSize.H, Strides.H, 1, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[1], PoolSize.W, Strides.W, 1, Padding);
        return new Shape(h, w, inputShape[2]);
    }

    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw ShapeError("(batch, height, width, channels)", x.Shape.WithoutBatch());
        return Pool(x);
    }

    /// <summary>Pools a (batch, height, width, channels) tensor.</summary>
    protected abstract Tensor Pool(Tensor x);

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
