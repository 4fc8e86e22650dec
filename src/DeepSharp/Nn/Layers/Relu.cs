using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's ReLU layer (type name "ReLU"): <see cref="MaxValue"/> at and above it, x from
/// <see cref="Threshold"/> up, <see cref="NegativeSlope"/>·(x − threshold) below. Exactly Keras 3's
/// <c>relu(x, negative_slope, max_value, threshold)</c>, including its clip to [0, max_value] when a
/// maximum is set (see <c>NaiveGeneralizedRelu</c>). With the defaults it is max(x, 0).
/// </summary>
public sealed class Relu : Layer
{
    /// <param name="maxValue">The largest output, ≥ 0; null for none (Keras's <c>max_value</c>).</param>
    /// <param name="negativeSlope">The slope below the threshold, ≥ 0 (Keras's <c>negative_slope</c>).</param>
    /// <param name="threshold">Where the function switches from the slope to x (Keras's <c>threshold</c>).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, or the maximum or slope is negative.</exception>
    public Relu(float? maxValue = null, float negativeSlope = 0f, float threshold = 0f, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        if (maxValue is { } max && !(float.IsFinite(max) && max >= 0f))
            throw new ArgumentOutOfRangeException(nameof(maxValue), max, "ReLU max_value must be a finite number ≥ 0, or null for none.");
        if (!(float.IsFinite(negativeSlope) && negativeSlope >= 0f))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "ReLU negative_slope must be a finite number ≥ 0.");
        if (!float.IsFinite(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "ReLU threshold must be finite.");
        MaxValue = maxValue;
        NegativeSlope = negativeSlope;
        Threshold = threshold;
    }

    /// <inheritdoc/>
    public override string TypeName => "ReLU";
    /// <summary>Keras's default name stem, "re_lu".</summary>
    public override string DefaultNamePrefix => "re_lu";
    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>The largest output, or null for none.</summary>
    public float? MaxValue { get; }
    /// <summary>The slope below <see cref="Threshold"/>.</summary>
    public float NegativeSlope { get; }
    /// <summary>Where the function switches from the slope to x.</summary>
    public float Threshold { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Relu(x, NegativeSlope, MaxValue, Threshold);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["max_value"] = MaxValue is { } max ? JsonValue.Create(max) : null;
        config["negative_slope"] = NegativeSlope;
        config["threshold"] = Threshold;
        return config;
    }

    internal static Relu FromConfig(LayerConfig c) => new(
        c.Has("max_value") ? c.RequiredFloat("max_value", 0f) : null,
        c.Float("negative_slope", 0f, 0f),
        c.Float("threshold", 0f),
        c.Name, c.Shape("input_shape"));
}
