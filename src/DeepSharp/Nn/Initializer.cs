using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Fills a new weight (Keras's <c>keras.initializers</c>). Keras names: glorot_uniform, glorot_normal,
/// he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, zeros, ones, uniform,
/// random_uniform, random_normal, truncated_normal, constant, variance_scaling; configs also accept
/// Keras 3's serialized form (see <see cref="FromJson"/>).
/// </summary>
public abstract partial class Initializer
{
    /// <summary>Keras's name, as configs store it and <see cref="FromName"/> reads it.</summary>
    public abstract string Name { get; }

    /// <summary>Writes the initial values of a new weight.</summary>
    /// <param name="values">The weight's elements, row-major.</param>
    /// <param name="shape">The weight's shape; variance-scaling initializers derive their fans from it (see <see cref="Fans"/>).</param>
    /// <param name="generator">The source of any randomness, so that a seeded run is reproducible.</param>
    public abstract void Fill(Span<float> values, Shape shape, RandomGenerator generator);

    /// <summary>Keras's "glorot_uniform": uniform in ±√(6/(fan_in + fan_out)); the default of kernels.</summary>
    public static Initializer GlorotUniform { get; } = VarianceScalingUniform("glorot_uniform", 1.0, Fan.Average);
    /// <summary>Keras's "he_uniform": uniform in ±√(6/fan_in), suited to ReLU layers.</summary>
    public static Initializer HeUniform { get; } = VarianceScalingUniform("he_uniform", 2.0, Fan.In);
    /// <summary>Keras's "zeros": the default of biases and normalisation offsets (β).</summary>
    public static Initializer Zeros { get; } = new ConstantValue("zeros", 0f);
    /// <summary>Keras's "ones": the start of normalisation scales (γ) and moving variances.</summary>
    public static Initializer Ones { get; } = new ConstantValue("ones", 1f);
    /// <summary>Keras's "uniform": RandomUniform(minval −0.05, maxval 0.05), Embedding's default.</summary>
    public static Initializer Uniform { get; } = new UniformRange("uniform", -0.05f, 0.05f);
    /// <summary>Keras's "orthogonal" (gain 1): orthonormal columns (or rows, when wider than tall), recurrent kernels' default.</summary>
    public static Initializer Orthogonal { get; } = new OrthogonalInitializer();

    /// <summary>Keras's "glorot_normal": truncated normal (±2σ) with σ = √(2/(fan_in + fan_out)).</summary>
    public static Initializer GlorotNormal { get; } = new VarianceScalingInitializer("glorot_normal", 1.0, Fan.Average, Distribution.TruncatedNormal);
    /// <summary>Keras's "he_normal": truncated normal (±2σ) with σ = √(2/fan_in).</summary>
    public static Initializer HeNormal { get; } = new VarianceScalingInitializer("he_normal", 2.0, Fan.In, Distribution.TruncatedNormal);
    /// <summary>Keras's "lecun_normal": truncated normal (±2σ) with σ = √(1/fan_in).</summary>
    public static Initializer LecunNormal { get; } = new VarianceScalingInitializer("lecun_normal", 1.0, Fan.In, Distribution.TruncatedNormal);
    /// <summary>Keras's "lecun_uniform": uniform in ±√(3/fan_in).</summary>
    public static Initializer LecunUniform { get; } = new VarianceScalingInitializer("lecun_uniform", 1.0, Fan.In, Distribution.Uniform);

    private static readonly Initializer[] s_known = [GlorotUniform, HeUniform, Zeros, Ones, Uniform, Orthogonal, GlorotNormal, HeNormal, LecunNormal, LecunUniform];

    /// <summary>
    /// What a layer config stores for this initializer: its name when it has Keras's default
    /// arguments (all the named ones), else Keras's serialized form with its arguments, e.g.
    /// <c>{"class_name": "RandomNormal", "config": {"mean": 0, "stddev": 0.1, "seed": null}}</c>.
    /// </summary>
    public virtual JsonNode ToConfig() => JsonValue.Create(Name);

    /// <summary>The initializer with this Keras name (config and CLI boundary).</summary>
    public static Initializer FromName(string name) =>
        s_known.FirstOrDefault(i => i.Name == name)
        ?? FromClassName(name)
        ?? throw new DeepSharpException($"Unknown initializer '{TerminalText.Escape(name)}'; known: {string.Join(", ", s_known.Select(i => i.Name))}, " +
            $"random_normal, random_uniform, truncated_normal, constant, variance_scaling, or Keras's class names ({string.Join(", ", ClassNames)}).");

    /// <summary>
    /// Keras's <c>kernel_initializer="he_normal"</c>: a name converts to <see cref="FromName"/>'s initializer (Keras's
    /// names and class names with their default arguments); an unknown name throws as <see cref="FromName"/> does.
    /// </summary>
    public static implicit operator Initializer(string name) => FromName(name);

    /// <summary>
    /// Keras's fans: a (in, out) matrix has fan_in = in, fan_out = out; a convolution kernel
    /// (..., in, out) multiplies both by the receptive field size.
    /// </summary>
    public static (double FanIn, double FanOut) Fans(Shape shape)
    {
        if (shape.Rank == 0) return (1, 1);
        if (shape.Rank == 1) return (shape[0], shape[0]);
        double receptive = 1;
        for (int i = 0; i < shape.Rank - 2; i++) receptive *= shape[i];
        return (shape[-2] * receptive, shape[-1] * receptive);
    }

    private enum Fan { In, Out, Average }

    private enum Distribution { Uniform, TruncatedNormal, UntruncatedNormal }

    private static Initializer VarianceScalingUniform(string name, double scale, Fan mode) =>
        new VarianceScalingInitializer(name, scale, mode, Distribution.Uniform);

    /// <summary>
    /// Keras's VarianceScaling: fan = fan_in, fan_out or their mean; uniform in ±√(3·scale/fan), a
    /// normal with σ = √(scale/fan), or a normal truncated at ±2σ whose σ is divided by 0.8796…
    /// (the standard deviation of a standard normal truncated at ±2) so that the variance is scale/fan.
    /// </summary>
    private sealed class VarianceScalingInitializer(string name, double scale, Fan mode, Distribution distribution) : Initializer
    {
        public override string Name => name;
        public double Scale => scale;
        public Fan Mode => mode;
        public Distribution Kind => distribution;

        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator)
        {
            var (fanIn, fanOut) = Fans(shape);
            double fan = Math.Max(1.0, mode switch { Fan.In => fanIn, Fan.Out => fanOut, _ => (fanIn + fanOut) / 2 });
            switch (distribution)
            {
                case Distribution.Uniform:
                    float limit = (float)Math.Sqrt(3 * scale / fan);
                    generator.FillUniform(values, -limit, limit);
                    break;
                case Distribution.UntruncatedNormal:
                    generator.FillNormal(values, 0f, (float)Math.Sqrt(scale / fan));
                    break;
                default:
                    FillTruncatedNormal(values, 0f, (float)(Math.Sqrt(scale / fan) / 0.87962566103423978), generator);
                    break;
            }
        }

        public override JsonNode ToConfig() => name != "variance_scaling" ? JsonValue.Create(name) : Serialized("VarianceScaling", new JsonObject
        {
            ["scale"] = scale,
            ["mode"] = mode switch { Fan.In => "fan_in", Fan.Out => "fan_out", _ => "fan_avg" },
            ["distribution"] = distribution switch { Distribution.Uniform => "uniform", Distribution.UntruncatedNormal => "untruncated_normal", _ => "truncated_normal" },
        });
    }

    /// <summary>Normal samples of mean <paramref name="mean"/> and deviation <paramref name="std"/>, each redrawn until within ±2·std (Keras's truncated normal).</summary>
    private static void FillTruncatedNormal(Span<float> values, float mean, float std, RandomGenerator generator)
    {
        generator.FillNormal(values, 0f, 1f);
        Span<float> redraw = stackalloc float[2];
        for (int i = 0; i < values.Length; i++)
        {
            while (Math.Abs(values[i]) > 2f)
            {
                generator.FillNormal(redraw, 0f, 1f);
                values[i] = redraw[0];
            }
            values[i] = mean + std * values[i];
        }
    }

    /// <summary>Keras 3's serialized form of an initializer with arguments.</summary>
    private static JsonObject Serialized(string className, JsonObject config)
    {
        config["seed"] = null;
        return new JsonObject { ["module"] = "keras.initializers", ["class_name"] = className, ["config"] = config, ["registered_name"] = null };
    }

    private sealed class UniformRange(string name, float min, float max) : Initializer
    {
        public override string Name => name;
        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator) => generator.FillUniform(values, min, max);
        public override JsonNode ToConfig() => name == "uniform" ? JsonValue.Create(name)
            : Serialized("RandomUniform", new JsonObject { ["minval"] = min, ["maxval"] = max });
    }

    private sealed class NormalDistribution(string name, float mean, float std, bool truncated) : Initializer
    {
        public override string Name => name;

        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator)
        {
            if (truncated) FillTruncatedNormal(values, mean, std, generator);
            else generator.FillNormal(values, mean, std);
        }

        public override JsonNode ToConfig() => Serialized(truncated ? "TruncatedNormal" : "RandomNormal", new JsonObject { ["mean"] = mean, ["stddev"] = std });
    }

    private sealed class ConstantValue(string name, float value) : Initializer
    {
        public override string Name => name;
        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator) => values.Fill(value);
        public override JsonNode ToConfig() => name != "constant" ? JsonValue.Create(name) : Serialized("Constant", new JsonObject { ["value"] = value });
    }
}
