using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of the image augmentations that change pixel values by one random draw per image and clip the result to a
/// value range (RandomBrightness, RandomContrast): the factor (lower, upper), the value range (Keras's default
/// [0, 255]), the image-shape rule and the config keys <c>factor</c> and <c>value_range</c>. The identity at inference.
/// </summary>
public abstract class ValueRangeAugmentation : RandomImageLayer
{
    private protected ValueRangeAugmentation((float Lower, float Upper) factor, (float Lower, float Upper)? valueRange, string type,
        long? seed, string? name, int[]? inputShape)
        : base(seed, name, inputShape)
    {
        Factor = factor;
        ValueRange = CheckValueRange(valueRange ?? (0f, 255f), type);
    }

    /// <summary>(lower, upper): the range the layer's random draws come from (each layer says how).</summary>
    public (float Lower, float Upper) Factor { get; }
    /// <summary>The range the images' values are clipped to after the change.</summary>
    public (float Lower, float Upper) ValueRange { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireImages(this, inputShape);
        return inputShape;
    }

    /// <summary>One value per image drawn uniformly from [lower, upper) and times <paramref name="scale"/>, shaped (batch, 1, 1, 1) to broadcast over each image.</summary>
    private protected Tensor PerImage(int batch, float lower, float upper, float scale = 1f)
    {
        var draws = Tensor.Empty(new Shape(batch, 1, 1, 1));
        for (int n = 0; n < batch; n++) draws.Span[n] = Uniform(lower, upper) * scale;
        return draws;
    }

    /// <summary><paramref name="x"/> clipped to <see cref="ValueRange"/>.</summary>
    private protected Tensor ClipToRange(Tensor x) => Ops.Clip(x, ValueRange.Lower, ValueRange.Upper);

    /// <summary><paramref name="x"/> mapped from <see cref="ValueRange"/> to [0, 1].</summary>
    private protected Tensor ToUnit(Tensor x) =>
        Ops.Affine(x, 1f / (ValueRange.Upper - ValueRange.Lower), -ValueRange.Lower / (ValueRange.Upper - ValueRange.Lower));

    /// <summary><paramref name="x"/> mapped from [0, 1] back to <see cref="ValueRange"/>.</summary>
    private protected Tensor FromUnit(Tensor x) => Ops.Affine(x, ValueRange.Upper - ValueRange.Lower, ValueRange.Lower);

    /// <summary>Keras's factor of the layers whose draws lie in [0, 1] (RandomHue, RandomSaturation, ...): 0 ≤ lower ≤ upper ≤ 1.</summary>
    private protected static (float Lower, float Upper) CheckUnitFactor((float Lower, float Upper) factor, string type) =>
        factor.Lower >= 0f && factor.Upper <= 1f && factor.Lower <= factor.Upper
            ? factor
            : throw new ArgumentException($"{type} factor {factor} needs 0 ≤ lower ≤ upper ≤ 1.", nameof(factor));

    /// <summary>A [0, 1] factor from a config: a number f is (0, f), a pair is sorted (as Keras); <paramref name="fallback"/> when missing.</summary>
    internal static (float Lower, float Upper) ReadUnitFactor(LayerConfig c, (float, float)? fallback = null)
    {
        if (fallback is null && !c.Has("factor")) throw c.Error("factor", "is missing");
        var (a, b) = ReadFactor(c, "factor", fallback ?? (0f, 0f), 0f, 1f, f => (0f, f));
        return (Math.Min(a, b), Math.Max(a, b));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        return config;
    }
}
