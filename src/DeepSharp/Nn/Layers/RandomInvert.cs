using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomInvert</c>: while training, draws per image a probability p from the factor range and a uniform u,
/// and inverts the image where u &lt; p: y = high − x, high the upper end of
/// <see cref="ValueRangeAugmentation.ValueRange"/> (Keras's formula; it is 255 − x on [0, 255] and 1 − x on [0, 1]).
/// The default factor 1 draws p from [0, 1], so about half of the images are inverted. The identity at inference.
/// Gradients pass to the input (−1 for inverted images).
/// </summary>
public sealed class RandomInvert : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws each image's probability from [0, f] (as Keras; default 1); in [0, 1].</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomInvert(float factor = 1f, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's inversion probability is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomInvert((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckUnitFactor(factor, "RandomInvert"), valueRange, "RandomInvert", seed, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "RandomInvert";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0];
        var inverted = Tensor.Empty(new Shape(batch, 1, 1, 1));
        for (int n = 0; n < batch; n++)
        {
            float probability = Uniform(Factor.Lower, Factor.Upper);
            inverted.Span[n] = Generator.NextFloat() < probability ? 1f : 0f;
        }
        return Ops.Where(inverted, Ops.Subtract(ValueRange.Upper, x), x);
    }

    internal static RandomInvert FromConfig(LayerConfig c) =>
        new(ReadUnitFactor(c, (0f, 1f)), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
