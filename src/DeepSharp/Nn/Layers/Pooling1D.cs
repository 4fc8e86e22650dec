using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What 1-D max and average pooling over (batch, steps, channels) share: pool size, strides (default:
/// the pool size), padding, output shape and config. A sequence is pooled as an image of height 1,
/// by the 2-D pooling ops, with a (1, pool) window.
/// </summary>
public abstract class Pooling1D : Layer
{
    /// <param name="poolSize">Steps in a pooling window (Keras's default 2).</param>
    /// <param name="strides">Steps between windows; null for the pool size (windows side by side).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (windows inside the sequence) or <see cref="Padding.Same"/> (output ⌈steps/stride⌉).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (steps, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The pool size or stride is not positive.</exception>
    protected Pooling1D(int poolSize, int? strides, Padding padding, string? name, int[]? inputShape) : base(name, inputShape)
    {
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        if (PoolSize <= 0 || Strides <= 0)
            throw new ArgumentOutOfRangeException(nameof(poolSize), $"{TypeName} pool_size {PoolSize} and strides {Strides} must be positive.");
        Padding = padding.For(TypeName);
    }

    /// <summary>Steps in a pooling window.</summary>
    public int PoolSize { get; }
    /// <summary>Steps between windows; the pool size unless given.</summary>
    public int Strides { get; }
    /// <summary>Valid (windows inside the sequence) or Same (output ⌈steps/stride⌉).</summary>
    public Padding Padding { get; }

    /// <summary>(output steps, channels): channels are kept; the steps follow <see cref="PoolSize"/>, <see cref="Strides"/> and <see cref="Padding"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, channels)", inputShape);
        return new Shape(ConvAxis.OutputSize(this, "steps", inputShape, inputShape[0], PoolSize, Strides, 1, Padding), inputShape[1]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 3) throw ShapeError("(batch, steps, channels)", x.Shape.WithoutBatch());
        int batch = x.Shape[0], channels = x.Shape[2];
        var y = Pool(Autograd.Ops.Reshape(x, batch, 1, x.Shape[1], channels), (1, PoolSize), (1, Strides), Padding == Padding.Same);
        return Autograd.Ops.Reshape(y, batch, y.Shape[2], channels);
    }

    /// <summary>Pools a (batch, 1, steps, channels) tensor with the 2-D op.</summary>
    protected abstract Tensor Pool(Tensor x, (int H, int W) poolSize, (int H, int W) strides, bool samePadding);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new JsonArray(PoolSize);
        config["strides"] = new JsonArray(Strides);
        config["padding"] = Padding.ToName();
        return config;
    }

    /// <summary>The constructor arguments a 1-D pooling config holds.</summary>
    internal static (int PoolSize, int? Strides, Padding Padding, string? Name, int[]? InputShape) ReadConfig(LayerConfig c)
    {
        RequireChannelsLast(c);
        return (c.OneSize("pool_size", 2), c.Has("strides") ? c.OneSize("strides", null) : null, c.Padding(), c.Name, c.Shape("input_shape"));
    }

    /// <summary>
    /// Refuses a Keras config whose data_format is not "channels_last" (the only layout DeepSharp has),
    /// rather than reading (batch, channels, steps) as (batch, steps, channels).
    /// </summary>
    internal static void RequireChannelsLast(LayerConfig c)
    {
        string format = c.String("data_format", "channels_last");
        if (format != "channels_last") throw c.Error("data_format", $"is '{format}'; DeepSharp's sequences and images are channels_last only");
    }
}
