using System.Text.Json.Nodes;

namespace DeepSharp.Nn;

/// <summary>Which fan Keras's VarianceScaling divides its scale by.</summary>
public enum FanMode
{
    /// <summary>fan_in: inputs per output unit (times the receptive field).</summary>
    FanIn,
    /// <summary>fan_out: outputs per input unit (times the receptive field).</summary>
    FanOut,
    /// <summary>fan_avg: the mean of the two.</summary>
    FanAverage,
}

/// <summary>The distribution Keras's VarianceScaling draws from.</summary>
public enum ScalingDistribution
{
    /// <summary>A normal truncated at ±2σ, σ corrected so that the variance is scale/fan.</summary>
    TruncatedNormal,
    /// <summary>A plain normal of variance scale/fan.</summary>
    UntruncatedNormal,
    /// <summary>Uniform in ±√(3·scale/fan).</summary>
    Uniform,
}

public abstract partial class Initializer
{
    /// <summary>Keras's RandomNormal: a normal of mean <paramref name="mean"/> and deviation <paramref name="stddev"/> (Keras's defaults 0 and 0.05).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, or the deviation is negative.</exception>
    public static Initializer RandomNormal(float mean = 0f, float stddev = 0.05f) =>
        new NormalDistribution("random_normal", Finite(mean, nameof(mean)), NonNegative(stddev, nameof(stddev)), truncated: false);

    /// <summary>Keras's TruncatedNormal: as <see cref="RandomNormal"/>, each value redrawn until within ±2·stddev of the mean.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, or the deviation is negative.</exception>
    public static Initializer TruncatedNormal(float mean = 0f, float stddev = 0.05f) =>
        new NormalDistribution("truncated_normal", Finite(mean, nameof(mean)), NonNegative(stddev, nameof(stddev)), truncated: true);

    /// <summary>Keras's RandomUniform: uniform in [<paramref name="minval"/>, <paramref name="maxval"/>) (Keras's defaults −0.05 and 0.05).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or maxval &lt; minval.</exception>
    public static Initializer RandomUniform(float minval = -0.05f, float maxval = 0.05f)
    {
        Finite(minval, nameof(minval));
        if (!(Finite(maxval, nameof(maxval)) >= minval))
            throw new ArgumentOutOfRangeException(nameof(maxval), maxval, $"RandomUniform needs maxval ≥ minval ({minval}).");
        return new UniformRange("random_uniform", minval, maxval);
    }

    /// <summary>Keras's Constant: every value <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite.</exception>
    public static Initializer Constant(float value = 0f) => new ConstantValue("constant", Finite(value, nameof(value)));

    /// <summary>Keras's VarianceScaling: see <see cref="ScalingDistribution"/>; glorot, he and lecun are its special cases.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not finite and positive.</exception>
    public static Initializer VarianceScaling(double scale = 1.0, FanMode mode = FanMode.FanIn, ScalingDistribution distribution = ScalingDistribution.TruncatedNormal)
    {
        if (!double.IsFinite(scale) || scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "VarianceScaling needs a finite scale > 0.");
        var fan = mode switch { FanMode.FanIn => Fan.In, FanMode.FanOut => Fan.Out, _ => Fan.Average };
        var kind = distribution switch { ScalingDistribution.Uniform => Distribution.Uniform, ScalingDistribution.UntruncatedNormal => Distribution.UntruncatedNormal, _ => Distribution.TruncatedNormal };
        return new VarianceScalingInitializer("variance_scaling", scale, fan, kind);
    }

    private static readonly Dictionary<string, Func<LayerConfig, Initializer>> s_classes = ClassTable();

    private static Dictionary<string, Func<LayerConfig, Initializer>> ClassTable() => new(StringComparer.Ordinal)
    {
        ["GlorotUniform"] = _ => GlorotUniform,
        ["GlorotNormal"] = _ => GlorotNormal,
        ["HeUniform"] = _ => HeUniform,
        ["HeNormal"] = _ => HeNormal,
        ["LecunUniform"] = _ => LecunUniform,
        ["LecunNormal"] = _ => LecunNormal,
        ["Zeros"] = _ => Zeros,
        ["Ones"] = _ => Ones,
        ["Orthogonal"] = c => c.Float("gain", 1f) == 1f ? Orthogonal : throw c.Error("gain", "must be 1 (DeepSharp's orthogonal initializer has gain 1)"),
        ["RandomNormal"] = c => RandomNormal(c.Float("mean", 0f), c.Float("stddev", 0.05f, 0f)),
        ["TruncatedNormal"] = c => TruncatedNormal(c.Float("mean", 0f), c.Float("stddev", 0.05f, 0f)),
        ["RandomUniform"] = c => RandomUniform(c.Float("minval", -0.05f), c.Float("maxval", 0.05f)),
        ["Constant"] = c => Constant(c.Float("value", 0f)),
        ["VarianceScaling"] = c => VarianceScaling(c.Float("scale", 1f, float.Epsilon),
            c.Named("mode", "fan_in", m => m switch
            {
                "fan_in" => FanMode.FanIn,
                "fan_out" => FanMode.FanOut,
                "fan_avg" => FanMode.FanAverage,
                _ => throw new DeepSharpException($"must be fan_in, fan_out or fan_avg, got '{TerminalText.Escape(m)}'"),
            }),
            c.Named("distribution", "truncated_normal", d => d switch
            {
                "truncated_normal" or "normal" => ScalingDistribution.TruncatedNormal,
                "untruncated_normal" => ScalingDistribution.UntruncatedNormal,
                "uniform" => ScalingDistribution.Uniform,
                _ => throw new DeepSharpException($"must be truncated_normal, untruncated_normal or uniform, got '{TerminalText.Escape(d)}'"),
            })),
    };

    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["random_normal"] = "RandomNormal",
        ["truncated_normal"] = "TruncatedNormal",
        ["random_uniform"] = "RandomUniform",
        ["constant"] = "Constant",
        ["variance_scaling"] = "VarianceScaling",
    };

    /// <summary>Keras's class names a config may hold ("GlorotUniform", "RandomNormal", ...).</summary>
    public static IReadOnlyCollection<string> ClassNames => s_classes.Keys;

    /// <summary>A Keras class name or snake_case alias with default arguments; null when neither.</summary>
    private static Initializer? FromClassName(string name) =>
        s_classes.TryGetValue(s_aliases.GetValueOrDefault(name, name), out var make) ? make(new LayerConfig([], name, $"Initializer {name}")) : null;

    /// <summary>
    /// An initializer from a config value: a name ("glorot_uniform", what DeepSharp writes, or a Keras
    /// class name) or Keras 3's serialized form,
    /// <c>{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}</c>.
    /// The seed is accepted and not used (weights come from DeepSharp's generator). Unknown classes
    /// and arguments that are missing, of the wrong kind or out of range throw a
    /// <see cref="DeepSharpException"/> that says which.
    /// </summary>
    public static Initializer FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is JsonValue)
            return FromName(new LayerConfig(new JsonObject { ["name"] = node.DeepClone() }, "initializer", "An initializer").String("name", ""));
        if (node is not JsonObject wrapper)
            throw new DeepSharpException($"An initializer must be a name or an object with \"class_name\" and \"config\", got a JSON {node.GetValueKind()}.");
        var outer = new LayerConfig(wrapper, "initializer", "An initializer");
        string className = outer.OptionalString("class_name") ?? throw outer.Error("class_name", "is missing");
        if (!s_classes.TryGetValue(s_aliases.GetValueOrDefault(className, className), out var make))
            throw new DeepSharpException($"Unknown initializer class '{TerminalText.Escape(className)}'; known: {string.Join(", ", s_classes.Keys)}.");
        var config = new LayerConfig(outer.Object("config") ?? [], className, $"Initializer {className}");
        config.Seed(); // accepted when an integer or null, not used
        try
        {
            return make(config);
        }
        catch (ArgumentException e)
        {
            throw new DeepSharpException($"Initializer {className}: {e.Message}", e);
        }
    }

    private static float Finite(float value, string name) =>
        float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"An initializer's {name} must be finite, got {value}.");

    private static float NonNegative(float value, string name) =>
        Finite(value, name) >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"An initializer's {name} must be ≥ 0, got {value}.");
}
