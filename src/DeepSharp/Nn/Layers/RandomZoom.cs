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
    /// <param name="heightFactor">The largest vertical zoom change f: the zoom 1 + f is drawn with f in [−heightFactor, heightFactor]; positive f zooms out.</param>
    /// <param name="widthFactor">The same for the width; null applies the vertical zoom to both axes, keeping the aspect ratio.</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is not a finite range with lower ≤ upper, or its lower bound is −1 or below.</exception>
    public RandomZoom(float heightFactor, float? widthFactor = null, FillMode fillMode = FillMode.Reflect, float fillValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this(Range(heightFactor), widthFactor is { } w ? Range(w) : null, fillMode, fillValue, seed, name, inputShape) { }

    /// <param name="heightFactor">The range f is drawn from for the vertical zoom 1 + f; positive f zooms out, negative zooms in.</param>
    /// <param name="widthFactor">The range for the horizontal zoom; null applies the vertical zoom to both axes, keeping the aspect ratio.</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is not a finite range with lower ≤ upper, or its lower bound is −1 or below.</exception>
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

    /// <inheritdoc/>
    public override string TypeName => "RandomZoom";
    /// <summary>The range f is drawn from for the vertical zoom 1 + f (positive: zoom out).</summary>
    public (float Lower, float Upper) HeightFactor { get; }
    /// <summary>The range for the horizontal zoom; null when the vertical zoom applies to both axes.</summary>
    public (float Lower, float Upper)? WidthFactor { get; }

    /// <inheritdoc/>
    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        float zoomY = 1f + Uniform(generator, HeightFactor);
        float zoomX = WidthFactor is { } wf ? 1f + Uniform(generator, wf) : zoomY;
        t[0] = zoomX;
        t[2] = (width - 1) / 2f * (1f - zoomX);
        t[4] = zoomY;
        t[5] = (height - 1) / 2f * (1f - zoomY);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height_factor"] = ToJson(HeightFactor);
        config["width_factor"] = WidthFactor is { } wf ? ToJson(wf) : null;
        return config;
    }

    internal static RandomZoom FromConfig(LayerConfig c) => new(
        c.Range("height_factor", (0f, 0f), MaxFactor), c.OptionalRange("width_factor", MaxFactor),
        ReadFillMode(c), ReadFillValue(c), c.Seed(), c.Name, c.Shape("input_shape"))
    { Interpolation = ReadInterpolation(c) };
}
