using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>Fills a new weight. Keras names: glorot_uniform, he_uniform, zeros, ones, uniform, orthogonal.</summary>
public abstract class Initializer
{
    /// <summary>Keras's name, as configs store it and <see cref="FromName"/> reads it.</summary>
    public abstract string Name { get; }

    /// <summary>Writes the initial values of a new weight.</summary>
    /// <param name="values">The weight's elements, row-major.</param>
    /// <param name="shape">The weight's shape; variance-scaling initializers derive their fans from it (see <see cref="Fans"/>).</param>
    /// <param name="generator">The source of any randomness, so that a seeded run is reproducible.</param>
    public abstract void Fill(Span<float> values, Shape shape, RandomGenerator generator);

    /// <summary>Keras's "glorot_uniform": uniform in ±√(6/(fan_in + fan_out)); the default of kernels.</summary>
    public static Initializer GlorotUniform { get; } = new VarianceScalingUniform("glorot_uniform", 1.0, FanMode.Average);
    /// <summary>Keras's "he_uniform": uniform in ±√(6/fan_in), suited to ReLU layers.</summary>
    public static Initializer HeUniform { get; } = new VarianceScalingUniform("he_uniform", 2.0, FanMode.In);
    /// <summary>Keras's "zeros": the default of biases and normalisation offsets (β).</summary>
    public static Initializer Zeros { get; } = new Constant("zeros", 0f);
    /// <summary>Keras's "ones": the start of normalisation scales (γ) and moving variances.</summary>
    public static Initializer Ones { get; } = new Constant("ones", 1f);
    /// <summary>Keras's "uniform": RandomUniform(minval −0.05, maxval 0.05), Embedding's default.</summary>
    public static Initializer Uniform { get; } = new UniformRange("uniform", -0.05f, 0.05f);
    /// <summary>Keras's "orthogonal" (gain 1): orthonormal columns (or rows, when wider than tall), recurrent kernels' default.</summary>
    public static Initializer Orthogonal { get; } = new OrthogonalInitializer();

    private static readonly Initializer[] s_known = [GlorotUniform, HeUniform, Zeros, Ones, Uniform, Orthogonal];

    /// <summary>The initializer with this Keras name (config and CLI boundary).</summary>
    public static Initializer FromName(string name) =>
        s_known.FirstOrDefault(i => i.Name == name)
        ?? throw new DeepSharpException($"Unknown initializer '{name}'; known: {string.Join(", ", s_known.Select(i => i.Name))}.");

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

    private enum FanMode { In, Average }

    private sealed class VarianceScalingUniform(string name, double scale, FanMode mode) : Initializer
    {
        public override string Name => name;

        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator)
        {
            var (fanIn, fanOut) = Fans(shape);
            double fan = mode == FanMode.In ? fanIn : (fanIn + fanOut) / 2;
            // Keras VarianceScaling, uniform: limit = √(3·scale/fan).
            float limit = (float)Math.Sqrt(3 * scale / Math.Max(1.0, fan));
            generator.FillUniform(values, -limit, limit);
        }
    }

    private sealed class UniformRange(string name, float min, float max) : Initializer
    {
        public override string Name => name;
        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator) => generator.FillUniform(values, min, max);
    }

    private sealed class Constant(string name, float value) : Initializer
    {
        public override string Name => name;
        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator) => values.Fill(value);
    }
}
