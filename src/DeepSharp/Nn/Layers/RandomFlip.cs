using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// While training, flips each image left-right and/or top-bottom with probability ½ each.
/// Mode is Keras's "horizontal", "vertical" or "horizontal_and_vertical" (the default).
/// </summary>
public sealed class RandomFlip : ImageAugmentation
{
    /// <param name="mode">"horizontal" (left-right), "vertical" (top-bottom) or "horizontal_and_vertical" (each decided by its own coin).</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is none of the three.</exception>
    public RandomFlip(string mode = "horizontal_and_vertical", long? seed = null, string? name = null, int[]? inputShape = null)
        : base(FillMode.Reflect, 0f, seed, name, inputShape)
    {
        (Horizontal, Vertical) = mode switch
        {
            "horizontal" => (true, false),
            "vertical" => (false, true),
            "horizontal_and_vertical" => (true, true),
            _ => throw new ArgumentException($"RandomFlip mode '{mode}' is not one of horizontal, vertical, horizontal_and_vertical.", nameof(mode)),
        };
        Mode = mode;
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomFlip";
    /// <summary>Keras's mode: "horizontal", "vertical" or "horizontal_and_vertical".</summary>
    public string Mode { get; }
    /// <summary>Whether images may be flipped left-right.</summary>
    public bool Horizontal { get; }
    /// <summary>Whether images may be flipped top-bottom.</summary>
    public bool Vertical { get; }

    /// <inheritdoc/>
    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        bool flipX = Horizontal && generator.NextFloat() < 0.5f;
        bool flipY = Vertical && generator.NextFloat() < 0.5f;
        t[0] = flipX ? -1f : 1f;
        t[2] = flipX ? width - 1 : 0f;
        t[4] = flipY ? -1f : 1f;
        t[5] = flipY ? height - 1 : 0f;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config.Remove("fill_mode");
        config.Remove("fill_value");
        config.Remove("interpolation");
        config["mode"] = Mode;
        return config;
    }

    internal static RandomFlip FromConfig(LayerConfig c) => new(
        c.String("mode", "horizontal_and_vertical"), c.Seed(), c.Name, c.Shape("input_shape"))
    { Interpolation = ReadInterpolation(c) };
}
