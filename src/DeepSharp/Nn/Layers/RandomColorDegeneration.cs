using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomColorDegeneration</c>: while training, blends each RGB image towards its grey version
/// (0.2989·R + 0.5870·G + 0.1140·B in every channel) by f drawn per image from the factor range, clipped to
/// <see cref="ValueRangeAugmentation.ValueRange"/>: y = clip(x + f·(grey − x)). Factor 0 is the identity, 1 the grey image.
/// The identity at inference. Gradients pass to the input.
/// </summary>
public sealed class RandomColorDegeneration : ValueRangeAugmentation
{
    /// <param name="factor">A number f draws from [0, f] (as Keras); in [0, 1].</param>
    /// <param name="valueRange">The range of the images' values, clipped to (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1], or the value range is not finite with lower &lt; upper.</exception>
    public RandomColorDegeneration(float factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's blend f is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="valueRange">The range of the images' values, clipped to (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public RandomColorDegeneration((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(CheckUnitFactor(factor, "RandomColorDegeneration"), valueRange, "RandomColorDegeneration", seed, name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "RandomColorDegeneration";

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
        var blend = PerImage(x.Shape[0], Factor.Lower, Factor.Upper);
        var grey = Ops.Sum(Ops.Multiply(x, Tensor.FromArray([0.2989f, 0.5870f, 0.1140f], 1, 1, 1, 3)), 3, keepDims: true); // (N, H, W, 1)
        return ClipToRange(Ops.Add(x, Ops.Multiply(Ops.Subtract(grey, x), blend)));
    }

    internal static RandomColorDegeneration FromConfig(LayerConfig c) =>
        new(ReadUnitFactor(c), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
