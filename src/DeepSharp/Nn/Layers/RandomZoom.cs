using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// While training, zooms each image about its centre by 1 + a random draw from the factor range
/// (Keras's sign convention: positive zooms out, negative zooms in). A number f draws from [−f, f].
/// Without a width factor the same zoom applies to both axes (the aspect ratio is kept).
/// </summary>
public sealed class RandomZoom : ImageAugmentation
{
    public RandomZoom(float heightFactor, float? widthFactor = null, FillMode fillMode = FillMode.Reflect, float fillValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this(Range(heightFactor), widthFactor is { } w ? Range(w) : null, fillMode, fillValue, seed, name, inputShape) { }

    public RandomZoom((float Lower, float Upper) heightFactor, (float Lower, float Upper)? widthFactor = null, FillMode fillMode = FillMode.Reflect,
        float fillValue = 0f, long? seed = null, string? name = null, int[]? inputShape = null) : base(fillMode, fillValue, seed, name, inputShape)
    {
        RequireRange(heightFactor, nameof(heightFactor), "RandomZoom");
        if (widthFactor is { } wf) RequireRange(wf, nameof(widthFactor), "RandomZoom");
        if (heightFactor.Lower <= -1f || widthFactor?.Lower <= -1f)
            throw new ArgumentException("RandomZoom factors must stay above -1 (a zoom of 1 + factor must be positive).");
        HeightFactor = heightFactor;
        WidthFactor = widthFactor;
    }

    public override string TypeName => "RandomZoom";
    public (float Lower, float Upper) HeightFactor { get; }
    public (float Lower, float Upper)? WidthFactor { get; }

    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        float zoomY = 1f + Uniform(generator, HeightFactor);
        float zoomX = WidthFactor is { } wf ? 1f + Uniform(generator, wf) : zoomY;
        t[0] = zoomX;
        t[2] = (width - 1) / 2f * (1f - zoomX);
        t[4] = zoomY;
        t[5] = (height - 1) / 2f * (1f - zoomY);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = ToJson(HeightFactor);
        config["width_factor"] = WidthFactor is { } wf ? ToJson(wf) : null;
        return config;
    }

    internal static RandomZoom FromConfig(LayerConfig c) => new(
        c.Range("height_factor", (0f, 0f), MaxFactor), c.OptionalRange("width_factor", MaxFactor),
        ReadFillMode(c), ReadFillValue(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
