using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomSharpness</c>: while training, blurs each image with the 3×3 kernel [1 1 1; 1 5 1; 1 1 1]/13 (per
/// channel, zero padding as Keras's "same" depthwise convolution) and blends: y = clip(x + (1 − 2f)·(blurred − x)) with f
/// drawn per image from the factor range, clipped to <see cref="ValueRangeAugmentation.ValueRange"/>. f = 0.5 is the
/// identity, 0 the blurred image, 1 sharpens beyond the original. The identity at inference. Gradients pass to the input.
/// </summary>
public sealed class RandomSharpness : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws from [0, f] (as Keras); in [0, 1]. Use (0.5, 0.5) for no change.</param>
    /// <param name="valueRange">The range of the images' values, clipped to (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomSharpness(float factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's f is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="valueRange">The range of the images' values, clipped to (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomSharpness((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckUnitFactor(factor, "RandomSharpness"), valueRange, "RandomSharpness", seed, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "RandomSharpness";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        var weights = PerImage(x.Shape[0], Factor.Lower, Factor.Upper, -2f); // −2f, so 1 + (−2f) = 1 − 2f
        var blend = Ops.Add(weights, 1f);
        int channels = x.Shape[3];
        var kernel = Tensor.Empty(new Shape(3, 3, channels, 1));
        for (int i = 0; i < kernel.Size; i++) kernel.Span[i] = (i / channels == 4 ? 5f : 1f) / 13f; // tap 4 is the centre
        var blurred = Ops.DepthwiseConv2D(x, kernel, null, (1, 1), samePadding: true);
        return ClipToRange(Ops.Add(x, Ops.Multiply(Ops.Subtract(blurred, x), blend)));
    }

    internal static RandomSharpness FromConfig(LayerConfig c) =>
        new(ReadUnitFactor(c), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
