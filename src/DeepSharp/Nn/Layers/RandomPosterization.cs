using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomPosterization</c>: while training, keeps b bits of each channel value: the image is mapped from
/// <see cref="ValueRange"/> to [0, 255], truncated to an integer (clamped to [0, 255]), its low 8 − b bits cleared, and
/// mapped back. b is drawn per image as Keras does: an integer in [lower, upper) of <see cref="Factor"/> (the upper end
/// excluded), or lower when both ends are equal; a number f means (1, f). The identity at inference. A step function:
/// no gradient reaches the input (as in Keras, whose integer cast has none).
/// </summary>
public sealed class RandomPosterization : RandomImageLayer
{
    /// <param name="factor">A number f means the range (1, f): bits drawn from [1, f) (f = 1: always 1 bit); in [1, 8].</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [1, 8], or the value range is not finite with lower &lt; upper.</exception>
    public RandomPosterization(int factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((1, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): bits drawn from [lower, upper) (lower when equal); 1 ≤ lower ≤ upper ≤ 8.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [1, 8] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomPosterization((int Lower, int Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(seed, name, inputShape)
    {
        if (!(factor.Lower >= 1 && factor.Upper <= 8 && factor.Lower <= factor.Upper))
            throw new ArgumentException($"RandomPosterization factor {factor} needs 1 ≤ lower ≤ upper ≤ 8 bits.", nameof(factor));
        Factor = factor;
        ValueRange = CheckValueRange(valueRange ?? (0f, 255f), "RandomPosterization");
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomPosterization";
    /// <summary>(lower, upper): the number of bits kept is drawn from [lower, upper), or is lower when both are equal.</summary>
    public (int Lower, int Upper) Factor { get; }
    /// <summary>The range of the images' values.</summary>
    public (float Lower, float Upper) ValueRange { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireImages(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0], perImage = x.Size / Math.Max(batch, 1);
        var y = Tensor.Empty(x.Shape);
        ReadOnlySpan<float> source = x.Span;
        Span<float> target = y.Span;
        float low = ValueRange.Lower, width = ValueRange.Upper - ValueRange.Lower;
        for (int n = 0; n < batch; n++)
        {
            int bits = Factor.Lower == Factor.Upper ? Factor.Lower : Factor.Lower + (int)(Generator.NextFloat() * (Factor.Upper - Factor.Lower));
            int mask = 0xFF & ~((1 << (8 - bits)) - 1);
            for (int i = n * perImage; i < (n + 1) * perImage; i++)
            {
                float v = Math.Clamp((source[i] - low) / width * 255f, 0f, 255f);
                target[i] = ((int)v & mask) / 255f * width + low;
            }
        }
        return y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        return config;
    }

    internal static RandomPosterization FromConfig(LayerConfig c)
    {
        if (!c.Has("factor")) throw c.Error("factor", "is missing");
        var (a, b) = ReadFactor(c, "factor", (1f, 1f), 1f, 8f, f => (1f, f));
        if (a != MathF.Floor(a) || b != MathF.Floor(b)) throw c.Error("factor", $"needs whole numbers of bits, got [{a}, {b}]");
        return new(((int)Math.Min(a, b), (int)Math.Max(a, b)), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
