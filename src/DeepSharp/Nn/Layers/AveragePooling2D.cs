using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Average pooling over channels-last images; strides default to the pool size, padding to
/// "valid". With "same" padding a border window averages only the real elements it covers.
/// </summary>
public sealed class AveragePooling2D : Layer
{
    public AveragePooling2D((int H, int W)? poolSize = null, (int H, int W)? strides = null, Padding padding = Padding.Valid,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        PoolSize = poolSize ?? (2, 2);
        Strides = strides ?? PoolSize;
        if (PoolSize.H <= 0 || PoolSize.W <= 0 || Strides.H <= 0 || Strides.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), $"AveragePooling2D pool size {PoolSize} and strides {Strides} must be positive.");
        Padding = padding;
    }

    /// <summary>A square pool, as Keras's <c>AveragePooling2D(2)</c>.</summary>
    public AveragePooling2D(int poolSize, string? name = null) : this((poolSize, poolSize), name: name) { }

    public override string TypeName => "AveragePooling2D";
    public (int H, int W) PoolSize { get; }
    public (int H, int W) Strides { get; }
    public Padding Padding { get; }

    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        var g = Pool2DGeometry.Create(1, inputShape[0], inputShape[1], inputShape[2], PoolSize.H, PoolSize.W, Strides.H, Strides.W, Padding == Padding.Same);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ShapeMismatchException($"Layer '{Name}' (AveragePooling2D): a {PoolSize.H}x{PoolSize.W} pool does not fit inputs {inputShape.ToBatchString()}.");
        return new Shape(g.OutH, g.OutW, inputShape[2]);
    }

    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    protected override Tensor Forward(Tensor x, bool training) => Ops.AvgPool2D(x, PoolSize, Strides, Padding == Padding.Same);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = Naming.Pair(PoolSize);
        config["strides"] = Naming.Pair(Strides);
        config["padding"] = Padding.ToName();
        return config;
    }

    internal static AveragePooling2D FromConfig(JsonObject c) => new(
        Naming.ReadPair(c, "pool_size", (2, 2)),
        c["strides"] is null ? null : Naming.ReadPair(c, "strides", (2, 2)),
        PaddingNames.Parse((string?)c["padding"] ?? "valid"),
        (string?)c["name"],
        Naming.ReadShape(c, "input_shape"));
}
