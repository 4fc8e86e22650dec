using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomErasing</c> (Zhong et al., 2017): while training, erases one box per image with a probability p drawn
/// per image from the factor range (erased where a uniform u &lt; p). The box's width and height are √s·width and
/// √s'·height, s and s' drawn from <see cref="Scale"/>, at a uniformly random place with real-valued corners (pixel (x, y)
/// is inside where x0 ≤ x &lt; x1 and y0 ≤ y &lt; y1, as Keras). It is filled with <see cref="FillValue"/>, or when that is
/// null with standard normal noise times the range's upper end, clipped to <see cref="ValueRange"/> (Keras's default).
/// The identity at inference. Gradients pass to the pixels that are kept.
/// </summary>
public sealed class RandomErasing : RandomImageLayer
{
    /// <param name="factor">A number f draws each image's erasing probability from [0, f] (Keras's default 1); in [0, 1].</param>
    /// <param name="scale">(lower, upper) in [0, 1]: the range of the box's squared side fractions (Keras's default (0.02, 0.33)); null for that default.</param>
    /// <param name="fillValue">The value of erased pixels (clipped to the value range); null for Keras's default, normal noise times the range's upper end.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor or scale is outside [0, 1], the fill value is not finite, or the value range is not finite with lower &lt; upper.</exception>
    public RandomErasing(float factor = 1f, (float Lower, float Upper)? scale = null, float? fillValue = null, (float Lower, float Upper)? valueRange = null,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), scale, fillValue, valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's erasing probability is drawn from it; each in [0, 1] (a pair is sorted).</param>
    /// <param name="scale">(lower, upper) in [0, 1]: the range of the box's squared side fractions (Keras's default (0.02, 0.33)); null for that default.</param>
    /// <param name="fillValue">The value of erased pixels (clipped to the value range); null for Keras's default, normal noise times the range's upper end.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor or scale is outside [0, 1], the fill value is not finite, or the value range is not finite with lower &lt; upper.</exception>
    public RandomErasing((float Lower, float Upper) factor, (float Lower, float Upper)? scale = null, float? fillValue = null,
        (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(seed, name, inputShape)
    {
        Factor = Unit(factor, nameof(factor));
        Scale = Unit(scale ?? (0.02f, 0.33f), nameof(scale));
        if (fillValue is { } f && !float.IsFinite(f)) throw new ArgumentException($"RandomErasing fill_value {f} must be finite.", nameof(fillValue));
        FillValue = fillValue;
        ValueRange = CheckValueRange(valueRange ?? (0f, 255f), "RandomErasing");
    }

    private static (float Lower, float Upper) Unit((float Lower, float Upper) f, string parameter) =>
        f.Lower >= 0f && f.Lower <= 1f && f.Upper >= 0f && f.Upper <= 1f
            ? (Math.Min(f.Lower, f.Upper), Math.Max(f.Lower, f.Upper))
            : throw new ArgumentException($"RandomErasing {parameter} {f} needs values in [0, 1].", parameter);

    /// <inheritdoc/>
    public override string TypeName => "RandomErasing";
    /// <summary>(lower, upper): the range each image's erasing probability is drawn from.</summary>
    public (float Lower, float Upper) Factor { get; }
    /// <summary>(lower, upper): the range of the box's squared width and height fractions.</summary>
    public (float Lower, float Upper) Scale { get; }
    /// <summary>The value of erased pixels; null for normal noise times the range's upper end.</summary>
    public float? FillValue { get; }
    /// <summary>The range of the images' values; fills are clipped to it.</summary>
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
        int batch = x.Shape[0], height = x.Shape[1], width = x.Shape[2];
        var erased = Tensor.Zeros(new Shape(batch, height, width, 1));
        Span<float> mask = erased.Span;
        for (int n = 0; n < batch; n++)
        {
            float boxWidth = MathF.Sqrt(Uniform(Scale.Lower, Scale.Upper)) * width, boxHeight = MathF.Sqrt(Uniform(Scale.Lower, Scale.Upper)) * height;
            float x0 = Generator.NextFloat() * (width - boxWidth), y0 = Generator.NextFloat() * (height - boxHeight);
            float probability = Uniform(Factor.Lower, Factor.Upper);
            if (!(Generator.NextFloat() < probability)) continue;
            for (int row = 0; row < height; row++)
                for (int column = 0; column < width; column++)
                    if (row >= y0 && row < y0 + boxHeight && column >= x0 && column < x0 + boxWidth) mask[(n * height + row) * width + column] = 1f;
        }
        Tensor fill;
        if (FillValue is { } value) fill = Tensor.Scalar(Math.Clamp(value, ValueRange.Lower, ValueRange.Upper));
        else
        {
            fill = Tensor.Empty(x.Shape);
            Generator.FillNormal(fill.Span, 0f, ValueRange.Upper);
            for (int i = 0; i < fill.Size; i++) fill.Span[i] = Math.Clamp(fill.Span[i], ValueRange.Lower, ValueRange.Upper);
        }
        return Ops.Where(erased, fill, x);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["scale"] = new JsonArray(Scale.Lower, Scale.Upper);
        config["fill_value"] = FillValue is { } f ? JsonValue.Create(f) : null;
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        return config;
    }

    internal static RandomErasing FromConfig(LayerConfig c)
    {
        var factor = ReadFactor(c, "factor", (0f, 1f), 0f, 1f, f => (0f, f));
        var scale = ReadFactor(c, "scale", (0.02f, 0.33f), 0f, 1f, f => (0f, f));
        float? fill = c.Has("fill_value") ? c.Float("fill_value", 0f) : null;
        if (fill is { } f && !float.IsFinite(f)) throw c.Error("fill_value", $"must be finite, got {f}");
        return new(factor, scale, fill, ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
