using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>Solarization</c>: while training, maps each image to [0, 255] from <see cref="ValueRange"/>, adds one value
/// a per image, clips to [0, 255], inverts (255 − v) every value not below one threshold t per image, and maps back.
/// As in Keras, a is drawn from [lower, upper·255] of <see cref="AdditionFactor"/> and t from [lower, upper·255] of
/// <see cref="ThresholdFactor"/> (the lower ends are not scaled); with both factors 0 every pixel is inverted. The identity
/// at inference. Gradients pass to the input (±1 where the clip does not bind).
/// </summary>
public sealed class Solarization : RandomImageLayer
{
    /// <param name="additionFactor">(lower, upper) in [0, 1]: the range of the value added before solarizing; (0, 0) adds nothing.</param>
    /// <param name="thresholdFactor">(lower, upper) in [0, 1]: the range of the threshold; (0, 0) solarizes every pixel.</param>
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1] or lower &gt; upper, or the value range is not finite with lower &lt; upper.</exception>
    public Solarization((float Lower, float Upper)? additionFactor = null, (float Lower, float Upper)? thresholdFactor = null,
        (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(seed, name, inputShape)
    {
        AdditionFactor = CheckFactor(additionFactor ?? (0f, 0f), nameof(additionFactor));
        ThresholdFactor = CheckFactor(thresholdFactor ?? (0f, 0f), nameof(thresholdFactor));
        ValueRange = CheckValueRange(valueRange ?? (0f, 255f), "Solarization");
    }

    /// <summary>Keras's single-number form: factors f are (0, f).</summary>
    public Solarization(float additionFactor, float thresholdFactor, (float Lower, float Upper)? valueRange = null, long? seed = null,
        string? name = null, int[]? inputShape = null)
        : this((0f, additionFactor), (0f, thresholdFactor), valueRange, seed, name, inputShape) { }

    private static (float Lower, float Upper) CheckFactor((float Lower, float Upper) f, string parameter) =>
        f.Lower >= 0f && f.Upper <= 1f && f.Lower <= f.Upper
            ? f
            : throw new ArgumentException($"Solarization {parameter} {f} needs 0 ≤ lower ≤ upper ≤ 1.", parameter);

    /// <inheritdoc/>
    public override string TypeName => "Solarization";
    /// <summary>(lower, upper): the added value is drawn from [lower, upper·255].</summary>
    public (float Lower, float Upper) AdditionFactor { get; }
    /// <summary>(lower, upper): the threshold is drawn from [lower, upper·255].</summary>
    public (float Lower, float Upper) ThresholdFactor { get; }
    /// <summary>The range of the images' values.</summary>
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
        int batch = x.Shape[0];
        Tensor additions = Tensor.Empty(new Shape(batch, 1, 1, 1)), thresholds = Tensor.Empty(new Shape(batch, 1, 1, 1));
        for (int n = 0; n < batch; n++) additions.Span[n] = Uniform(AdditionFactor.Lower, AdditionFactor.Upper * 255f);
        for (int n = 0; n < batch; n++) thresholds.Span[n] = Uniform(ThresholdFactor.Lower, ThresholdFactor.Upper * 255f);
        float width = ValueRange.Upper - ValueRange.Lower;
        var scaled = Ops.Multiply(Ops.Subtract(x, ValueRange.Lower), 255f / width);            // to [0, 255]
        var shifted = Ops.Clip(Ops.Add(scaled, additions), 0f, 255f);
        var solarized = Ops.Where(Ops.Less(shifted, thresholds), shifted, Ops.Subtract(255f, shifted));
        return Ops.Add(Ops.Multiply(solarized, width / 255f), ValueRange.Lower);                // back to the value range
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        config["addition_factor"] = new JsonArray(AdditionFactor.Lower, AdditionFactor.Upper);
        config["threshold_factor"] = new JsonArray(ThresholdFactor.Lower, ThresholdFactor.Upper);
        return config;
    }

    internal static Solarization FromConfig(LayerConfig c)
    {
        var addition = ReadFactor(c, "addition_factor", (0f, 0f), 0f, 1f, f => (0f, f));
        var threshold = ReadFactor(c, "threshold_factor", (0f, 0f), 0f, 1f, f => (0f, f));
        // Keras sorts a pair.
        addition = (Math.Min(addition.Item1, addition.Item2), Math.Max(addition.Item1, addition.Item2));
        threshold = (Math.Min(threshold.Item1, threshold.Item2), Math.Max(threshold.Item1, threshold.Item2));
        return new(addition, threshold, ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
