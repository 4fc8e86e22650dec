using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomContrast</c>: while training, scales each image's distance from its own mean (one mean per channel,
/// over height and width) by a factor drawn per image from [1 − lower, 1 + upper], then clips to
/// <see cref="ValueRangeAugmentation.ValueRange"/>: y = clip((x − mean)·c + mean). The identity at inference. Gradients pass to the input.
/// </summary>
public sealed class RandomContrast : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws contrast factors from [1 − f, 1 + f]; in [0, 1].</param>
    /// <param name="valueRange">The range of the images' values, clipped to after the change (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomContrast(float factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((factor, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): contrast factors are drawn from [1 − lower, 1 + upper]; each in [0, 1].</param>
    /// <param name="valueRange">The range of the images' values, clipped to after the change (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomContrast((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckFactor(factor), valueRange, "RandomContrast", seed, name, inputShape) { }

    private static (float Lower, float Upper) CheckFactor((float Lower, float Upper) factor) =>
        factor.Lower >= 0f && factor.Lower <= 1f && factor.Upper >= 0f && factor.Upper <= 1f
            ? factor
            : throw new ArgumentException($"RandomContrast factor {factor} needs values in [0, 1].", nameof(factor));

    /// <inheritdoc/>
    public override string TypeName => "RandomContrast";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        var factors = PerImage(x.Shape[0], 1f - Factor.Lower, 1f + Factor.Upper);
        var mean = Ops.Mean(x, [1, 2], keepDims: true);
        return ClipToRange(Ops.Add(Ops.Multiply(Ops.Subtract(x, mean), factors), mean));
    }

    internal static RandomContrast FromConfig(LayerConfig c)
    {
        if (!c.Has("factor")) throw c.Error("factor", "is missing");
        return new(ReadFactor(c, "factor", (0f, 0f), 0f, 1f, f => (f, f)), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
