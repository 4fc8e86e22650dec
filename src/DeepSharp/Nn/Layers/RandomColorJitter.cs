using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomColorJitter</c>: while training, applies in turn <see cref="RandomBrightness"/>,
/// <see cref="RandomContrast"/>, <see cref="RandomSaturation"/> and <see cref="RandomHue"/>, each only when its factor is
/// given, all on <see cref="ValueRange"/> and each with the factor forms of that layer. They are sublayers named
/// brightness, contrast, saturation and hue; a seed s seeds them with s, s + 1, s + 2, s + 3 (Keras draws all four from
/// one generator). RGB images only when a saturation or hue factor is given. The identity at inference. Gradients pass
/// to the input.
/// </summary>
public sealed class RandomColorJitter : Layer
{
    private readonly Layer[] _steps;

    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="brightnessFactor">RandomBrightness's factor, (lower, upper) in [−1, 1]; null skips brightness.</param>
    /// <param name="contrastFactor">RandomContrast's factor, (lower, upper) in [0, 1]; null skips contrast.</param>
    /// <param name="saturationFactor">RandomSaturation's factor, (lower, upper) in [0, 1] (0.5 is no change); null skips saturation.</param>
    /// <param name="hueFactor">RandomHue's factor, (lower, upper) in [0, 1]; null skips hue.</param>
    /// <param name="seed">Seeds the four generators (s, s + 1, s + 2, s + 3); null forks them from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside its layer's bounds, or the value range is not finite with lower &lt; upper.</exception>
    public RandomColorJitter((float Lower, float Upper)? valueRange = null, (float Lower, float Upper)? brightnessFactor = null,
        (float Lower, float Upper)? contrastFactor = null, (float Lower, float Upper)? saturationFactor = null, (float Lower, float Upper)? hueFactor = null,
        long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        var range = valueRange ?? (0f, 255f);
        var steps = new List<Layer>();
        if (brightnessFactor is { } b) steps.Add(Track(new RandomBrightness(b, range, seed, "brightness")));
        if (contrastFactor is { } c) steps.Add(Track(new RandomContrast(c, range, seed + 1, "contrast")));
        if (saturationFactor is { } s) steps.Add(Track(new RandomSaturation(s, range, seed + 2, "saturation")));
        if (hueFactor is { } h) steps.Add(Track(new RandomHue(h, range, seed + 3, "hue")));
        if (steps.Count == 0) _ = new RandomBrightness(0f, range); // checks the value range
        _steps = [.. steps];
        (ValueRange, BrightnessFactor, ContrastFactor, SaturationFactor, HueFactor, Seed) = (range, brightnessFactor, contrastFactor, saturationFactor, hueFactor, seed);
    }

    /// <summary>Keras's number forms: brightness f is (−f, f), contrast f is (f, f) (contrast factors in [1 − f, 1 + f]), saturation and hue f are (0, f).</summary>
    public RandomColorJitter((float Lower, float Upper)? valueRange, float? brightnessFactor, float? contrastFactor = null, float? saturationFactor = null,
        float? hueFactor = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this(valueRange, brightnessFactor is { } b ? (-Math.Abs(b), Math.Abs(b)) : null, contrastFactor is { } c ? (c, c) : null,
            saturationFactor is { } s ? (0f, s) : null, hueFactor is { } h ? (0f, h) : null, seed, name, inputShape)
    { }

    /// <inheritdoc/>
    public override string TypeName => "RandomColorJitter";

    /// <summary>One image (height, width, channels) without its batch axis is taken, as Keras's image layers take it.</summary>
    private protected override bool AcceptsSingleImages => true;

    /// <summary>The range of the images' values.</summary>
    public (float Lower, float Upper) ValueRange { get; }
    /// <summary>RandomBrightness's factor; null when brightness is not changed.</summary>
    public (float Lower, float Upper)? BrightnessFactor { get; }
    /// <summary>RandomContrast's factor; null when contrast is not changed.</summary>
    public (float Lower, float Upper)? ContrastFactor { get; }
    /// <summary>RandomSaturation's factor; null when saturation is not changed.</summary>
    public (float Lower, float Upper)? SaturationFactor { get; }
    /// <summary>RandomHue's factor; null when hue is not changed.</summary>
    public (float Lower, float Upper)? HueFactor { get; }
    /// <summary>The seed of the first step's generator (the others take the next ones); null when they were forked from the global generator.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (SaturationFactor is not null || HueFactor is not null) ImageLayerShapes.RequireRgb(this, inputShape);
        else ImageLayerShapes.RequireImages(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        foreach (var step in _steps) step.Build(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        foreach (var step in _steps) x = step.Call(x, training: true);
        return x;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        config["brightness_factor"] = BrightnessFactor is { } b ? new JsonArray(b.Lower, b.Upper) : null;
        config["contrast_factor"] = ContrastFactor is { } c ? new JsonArray(c.Lower, c.Upper) : null;
        config["saturation_factor"] = SaturationFactor is { } s ? new JsonArray(s.Lower, s.Upper) : null;
        config["hue_factor"] = HueFactor is { } h ? new JsonArray(h.Lower, h.Upper) : null;
        if (Seed is { } seed) config["seed"] = seed;
        return config;
    }

    internal static RandomColorJitter FromConfig(LayerConfig c)
    {
        (float, float)? Read(string key, float min, float max, Func<float, (float, float)> fromNumber) =>
            c.Has(key) ? RandomImageLayer.ReadFactor(c, key, (0f, 0f), min, max, fromNumber) : null;
        var brightness = Read("brightness_factor", -1f, 1f, f => (-Math.Abs(f), Math.Abs(f)));
        var contrast = Read("contrast_factor", 0f, 1f, f => (f, f));
        var saturation = Read("saturation_factor", 0f, 1f, f => (0f, f));
        var hue = Read("hue_factor", 0f, 1f, f => (0f, f));
        try
        {
            return new(RandomImageLayer.ReadValueRange(c), brightness, contrast, saturation, hue, c.Seed(), c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw new DeepSharpException($"RandomColorJitter config: {e.Message}");
        }
    }
}
