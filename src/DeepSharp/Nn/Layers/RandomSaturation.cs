using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomSaturation</c>: while training, multiplies each RGB image's HSV saturation by f/(1 − f + 1e-7), f
/// drawn per image from the factor range, clipped to [0, 1], keeping hue and value. f = 0.5 is the identity, 0 turns the
/// image grey, 1 saturates it fully. Keras converts the raw values; DeepSharp maps
/// <see cref="ValueRangeAugmentation.ValueRange"/> to [0, 1] first, which gives the same colours (saturation does not depend on
/// the scale), and clips the saturation to [0, 1] (Keras clips it to the value range, which lets [0, 255] images leave
/// their range). The identity at inference. Gradients pass to the input.
/// </summary>
public sealed class RandomSaturation : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws from [0, f] (as Keras); in [0, 1]. Use (0.5, 0.5) for no change.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomSaturation(float factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's f is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomSaturation((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckUnitFactor(factor, "RandomSaturation"), valueRange, "RandomSaturation", seed, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "RandomSaturation";

    /// <summary>The input shape; RGB images (height, width, 3).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, 3).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireRgb(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0];
        var scales = Tensor.Empty(new Shape(batch, 1, 1, 1));
        for (int n = 0; n < batch; n++)
        {
            float f = Uniform(Factor.Lower, Factor.Upper);
            scales.Span[n] = f / (1f - f + 1e-7f);
        }
        var (hue, chroma, value) = HsvColor.FromRgb(ToUnit(x));
        var saturation = Ops.Divide(chroma, Ops.Where(Ops.LessEqual(value, 0f), 1f, value)); // c / v, 0 for black
        var newChroma = Ops.Multiply(Ops.Clip(Ops.Multiply(saturation, scales), 0f, 1f), value);
        return FromUnit(HsvColor.ToRgb(hue, newChroma, value));
    }

    internal static RandomSaturation FromConfig(LayerConfig c) => new(ReadUnitFactor(c), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
