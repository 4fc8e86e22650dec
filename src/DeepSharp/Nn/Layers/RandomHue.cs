using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomHue</c>: while training, turns each RGB image's hue by δ = ±f/2 of a full turn, f drawn per image
/// from the factor range and the sign by a fair coin (Keras's draw), keeping saturation and value: the image is mapped
/// from <see cref="ValueRangeAugmentation.ValueRange"/> to [0, 1], converted to HSV, its hue rotated and wrapped,
/// converted back, clipped to [0, 1] and mapped back. Factor 0 is the identity; 1 turns by up to half a circle. The
/// identity at inference (Keras also converts at inference; DeepSharp's augmentations act only while training).
/// Gradients pass to the input.
/// </summary>
public sealed class RandomHue : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws from [0, f] (as Keras); in [0, 1].</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomHue(float factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's f is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomHue((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckUnitFactor(factor, "RandomHue"), valueRange, "RandomHue", seed, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "RandomHue";

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
        var turns = Tensor.Empty(new Shape(batch, 1, 1, 1)); // δ on the [0, 6) hue scale
        for (int n = 0; n < batch; n++)
        {
            float sign = Generator.NextFloat() > 0.5f ? -1f : 1f;
            turns.Span[n] = sign * Uniform(Factor.Lower, Factor.Upper) * 0.5f * 6f;
        }
        var (hue, chroma, value) = HsvColor.FromRgb(ToUnit(x));
        return FromUnit(Ops.Clip(HsvColor.ToRgb(HsvColor.Wrap(Ops.Add(hue, turns)), chroma, value), 0f, 1f));
    }

    internal static RandomHue FromConfig(LayerConfig c) => new(ReadUnitFactor(c), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
