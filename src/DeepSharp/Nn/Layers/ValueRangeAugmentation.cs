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

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        return config;
    }
}
