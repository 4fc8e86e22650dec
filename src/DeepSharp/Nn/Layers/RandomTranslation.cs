using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// While training, shifts each image by a random fraction of its height and width: a number f
/// draws from [−f, f], a pair (lower, upper) from [lower, upper] (Keras's height_factor, width_factor).
/// </summary>
public sealed class RandomTranslation : ImageAugmentation
{
    public RandomTranslation(float heightFactor, float widthFactor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this(Range(heightFactor), Range(widthFactor), fillMode, fillValue, seed, name, inputShape) { }

    public RandomTranslation((float Lower, float Upper) heightFactor, (float Lower, float Upper) widthFactor, FillMode fillMode = FillMode.Reflect,
        float fillValue = 0f, long? seed = null, string? name = null, int[]? inputShape = null) : base(fillMode, fillValue, seed, name, inputShape)
    {
        RequireRange(heightFactor, nameof(heightFactor), "RandomTranslation");
        RequireRange(widthFactor, nameof(widthFactor), "RandomTranslation");
        HeightFactor = heightFactor;
        WidthFactor = widthFactor;
    }

    public override string TypeName => "RandomTranslation";
    public (float Lower, float Upper) HeightFactor { get; }
    public (float Lower, float Upper) WidthFactor { get; }

    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        float dy = Uniform(generator, HeightFactor) * height;
        float dx = Uniform(generator, WidthFactor) * width;
        t[0] = 1f;
        t[2] = -dx;
        t[4] = 1f;
        t[5] = -dy;
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = ToJson(HeightFactor);
        config["width_factor"] = ToJson(WidthFactor);
        return config;
    }

    internal static RandomTranslation FromConfig(LayerConfig c) => new(
        c.Range("height_factor", (0f, 0f), MaxFactor), c.Range("width_factor", (0f, 0f), MaxFactor), ReadFillMode(c), ReadFillValue(c),
        c.Seed(), c.Name, c.Shape("input_shape"));
}
