using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// While training, rotates each image about its centre by a random angle of factor·2π:
/// a number f draws from [−f·2π, f·2π], a pair (lower, upper) from [lower·2π, upper·2π].
/// Keras's default fill_mode "reflect"; "constant" fills with fill_value.
/// </summary>
public sealed class RandomRotation : ImageAugmentation
{
    /// <param name="factor">The largest rotation, as a fraction of a full turn: angles are drawn from [−factor·2π, factor·2π] (0.1: up to ±36°).</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is not a finite range with lower ≤ upper.</exception>
    public RandomRotation(float factor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f, long? seed = null,
        string? name = null, int[]? inputShape = null) : this(Range(factor), fillMode, fillValue, seed, name, inputShape) { }

    /// <param name="factor">The range of the rotation, as fractions of a full turn: angles are drawn from [lower·2π, upper·2π]; positive turns counter-clockwise.</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is not a finite range with lower ≤ upper.</exception>
    public RandomRotation((float Lower, float Upper) factor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f, long? seed = null,
        string? name = null, int[]? inputShape = null) : base(fillMode, fillValue, seed, name, inputShape)
    {
        RequireRange(factor, nameof(factor), "RandomRotation");
        Factor = factor;
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomRotation";
    /// <summary>The range the rotation is drawn from, as fractions of a full turn.</summary>
    public (float Lower, float Upper) Factor { get; }

    /// <inheritdoc/>
    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        double angle = Uniform(generator, Factor) * 2 * Math.PI;
        float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
        // Keras's rotation matrix: output (x, y) reads input (cos·x − sin·y + ox, sin·x + cos·y + oy), centre fixed.
        t[0] = cos;
        t[1] = -sin;
        t[2] = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2f;
        t[3] = sin;
        t[4] = cos;
        t[5] = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2f;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = ToJson(Factor);
        return config;
    }

    internal static RandomRotation FromConfig(LayerConfig c) => new(
        c.Range("factor", (0f, 0f), MaxFactor), ReadFillMode(c), ReadFillValue(c), c.Seed(), c.Name, c.Shape("input_shape"))
    { Interpolation = ReadInterpolation(c) };
}
