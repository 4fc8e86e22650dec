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

    public override string TypeName => "RandomFlip";
    public string Mode { get; }
    public bool Horizontal { get; }
    public bool Vertical { get; }

    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        bool flipX = Horizontal && generator.NextFloat() < 0.5f;
        bool flipY = Vertical && generator.NextFloat() < 0.5f;
        t[0] = flipX ? -1f : 1f;
        t[2] = flipX ? width - 1 : 0f;
        t[4] = flipY ? -1f : 1f;
        t[5] = flipY ? height - 1 : 0f;
    }

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
        c.String("mode", "horizontal_and_vertical"), c.Seed(), c.Name, c.Shape("input_shape"));
}
