using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of the random image preprocessing layers that are not affine resamplings (RandomCrop, RandomContrast,
/// RandomBrightness): a seeded generator of their own, drawn from only while training (its state goes into
/// checkpoints), and images (height, width, channels) as input.
/// </summary>
public abstract class RandomImageLayer : Layer
{
    private RandomGenerator? _generator;

    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    private protected RandomImageLayer(long? seed, string? name, int[]? inputShape) : base(name, inputShape) => Seed = seed;

    /// <summary>The seed of the layer's generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the random draws (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <summary>One image (height, width, channels) without its batch axis is taken, as Keras's image layers take it.</summary>
    private protected override bool AcceptsSingleImages => true;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _ = Generator;
    }

    /// <summary>A uniform draw in [lower, upper].</summary>
    private protected float Uniform(float lower, float upper) => lower + (upper - lower) * Generator.NextFloat();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    /// <summary>Keras's <c>value_range</c>: finite, lower below upper.</summary>
    private protected static (float Lower, float Upper) CheckValueRange((float Lower, float Upper) range, string type)
    {
        if (!(float.IsFinite(range.Lower) && float.IsFinite(range.Upper) && range.Lower < range.Upper))
            throw new ArgumentException($"{type} value_range {range} needs finite numbers with lower < upper.", "valueRange");
        return range;
    }

    /// <summary>
    /// A factor from a config: a number f is <paramref name="fromNumber"/>(f); a list [lower, upper] is itself. Each value
    /// finite and within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="fallback"/> when missing.
    /// </summary>
    internal static (float Lower, float Upper) ReadFactor(LayerConfig c, string key, (float, float) fallback, float min, float max,
        Func<float, (float, float)> fromNumber)
    {
        var node = c.Json[key];
        if (node is null) return fallback;
        float Read(JsonNode? value) => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d)
            && double.IsFinite(d) && d >= min && d <= max
            ? (float)d : throw c.Error(key, $"needs numbers in [{min}, {max}], got {node.ToJsonString()}");
        if (node is JsonArray array)
            return array.Count == 2 ? (Read(array[0]), Read(array[1])) : throw c.Error(key, $"must be a number or [lower, upper], got {node.ToJsonString()}");
        return fromNumber(Read(node));
    }

    /// <summary>Keras's <c>value_range</c> from a config: [lower, upper] with lower &lt; upper, [0, 255] when missing.</summary>
    internal static (float Lower, float Upper) ReadValueRange(LayerConfig c)
    {
        var range = ReadFactor(c, "value_range", (0f, 255f), -1e30f, 1e30f, v => throw c.Error("value_range", "must be [lower, upper]"));
        return range.Item1 < range.Item2 ? range : throw c.Error("value_range", $"needs lower < upper, got [{range.Item1}, {range.Item2}]");
    }
}
