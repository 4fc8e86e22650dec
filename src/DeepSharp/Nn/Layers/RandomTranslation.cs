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
    /// <param name="heightFactor">The largest vertical shift, as a fraction of the height: shifts are drawn from [−f, f]·height.</param>
    /// <param name="widthFactor">The largest horizontal shift, as a fraction of the width.</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is not a finite range with lower ≤ upper.</exception>
    public RandomTranslation(float heightFactor, float widthFactor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this(Range(heightFactor), Range(widthFactor), fillMode, fillValue, seed, name, inputShape) { }

    /// <param name="heightFactor">The range of the vertical shift, as fractions of the height; positive moves the image down.</param>
    /// <param name="widthFactor">The range of the horizontal shift, as fractions of the width; positive moves the image right.</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is not a finite range with lower ≤ upper.</exception>
    public RandomTranslation((float Lower, float Upper) heightFactor, (float Lower, float Upper) widthFactor, FillMode fillMode = FillMode.Reflect,
        float fillValue = 0f, long? seed = null, string? name = null, int[]? inputShape = null) : base(fillMode, fillValue, seed, name, inputShape)
    {
        RequireRange(heightFactor, nameof(heightFactor), "RandomTranslation");
        RequireRange(widthFactor, nameof(widthFactor), "RandomTranslation");
        HeightFactor = heightFactor;
        WidthFactor = widthFactor;
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomTranslation";
    /// <summary>The range the vertical shift is drawn from, as fractions of the height (positive: down).</summary>
    public (float Lower, float Upper) HeightFactor { get; }
    /// <summary>The range the horizontal shift is drawn from, as fractions of the width (positive: right).</summary>
    public (float Lower, float Upper) WidthFactor { get; }

    /// <inheritdoc/>
    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        float dy = Uniform(generator, HeightFactor) * height;
        float dx = Uniform(generator, WidthFactor) * width;
        t[0] = 1f;
        t[2] = -dx;
        t[4] = 1f;
        t[5] = -dy;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = ToJson(HeightFactor);
        config["width_factor"] = ToJson(WidthFactor);
        return config;
    }

    internal static RandomTranslation FromConfig(LayerConfig c) => new(
        c.Range("height_factor", (0f, 0f), MaxFactor), c.Range("width_factor", (0f, 0f), MaxFactor), ReadFillMode(c), ReadFillValue(c),
        c.Seed(), c.Name, c.Shape("input_shape"))
    { Interpolation = ReadInterpolation(c) };
}
