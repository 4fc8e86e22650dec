using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomBrightness</c>: while training, adds to each image one value drawn from [lower, upper] times the
/// width of <see cref="ValueRangeAugmentation.ValueRange"/>, then clips to the range: y = clip(x + δ·(high − low)). The identity at inference.
/// Gradients pass to the input.
/// </summary>
public sealed class RandomBrightness : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws shifts from [−f, f] (as fractions of the value range); in [−1, 1].</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [−1, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomBrightness(float factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((-Math.Abs(factor), Math.Abs(factor)), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): shifts are drawn from [lower, upper] (fractions of the value range); each in [−1, 1], lower ≤ upper.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [−1, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomBrightness((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckFactor(factor), valueRange, "RandomBrightness", seed, name, inputShape) { }

    private static (float Lower, float Upper) CheckFactor((float Lower, float Upper) factor) =>
        factor.Lower >= -1f && factor.Upper <= 1f && factor.Lower <= factor.Upper
            ? factor
            : throw new ArgumentException($"RandomBrightness factor {factor} needs −1 ≤ lower ≤ upper ≤ 1.", nameof(factor));

    /// <inheritdoc/>
    public override string TypeName => "RandomBrightness";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        var shifts = PerImage(x.Shape[0], Factor.Lower, Factor.Upper, ValueRange.Upper - ValueRange.Lower); // δ·(high − low)
        return ClipToRange(Ops.Add(x, shifts));
    }

    internal static RandomBrightness FromConfig(LayerConfig c)
    {
        if (!c.Has("factor")) throw c.Error("factor", "is missing");
        var factor = ReadFactor(c, "factor", (0f, 0f), -1f, 1f, f => (-Math.Abs(f), Math.Abs(f)));
        if (factor.Item1 > factor.Item2) throw c.Error("factor", $"needs lower ≤ upper, got [{factor.Item1}, {factor.Item2}]");
        return new(factor, ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
