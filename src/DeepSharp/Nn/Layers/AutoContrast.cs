using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>AutoContrast</c>: stretches each image's channel from its own [min, max] (over height and width) to the
/// whole <see cref="ValueRange"/>: y = clip((x − min)·(high − low)/(max − min) + low, low, high); a flat channel
/// (max = min) is kept as it is. Active in training and at inference, as Keras's. Gradients pass to the input (and
/// through the minimum and maximum).
/// </summary>
public sealed class AutoContrast : Layer
{
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The value range is not finite with lower &lt; upper.</exception>
    public AutoContrast((float Lower, float Upper)? valueRange = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        var range = valueRange ?? (0f, 255f);
        if (!(float.IsFinite(range.Lower) && float.IsFinite(range.Upper) && range.Lower < range.Upper))
            throw new ArgumentException($"AutoContrast value_range {range} needs finite numbers with lower < upper.", nameof(valueRange));
        ValueRange = range;
    }

    /// <inheritdoc/>
    public override string TypeName => "AutoContrast";

    /// <summary>One image (height, width, channels) without its batch axis is taken, as Keras's image layers take it.</summary>
    private protected override bool AcceptsSingleImages => true;

    /// <summary>The range each channel is stretched to.</summary>
    public (float Lower, float Upper) ValueRange { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireImages(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var low = Ops.Min(x, [1, 2], keepDims: true);
        var high = Ops.Max(x, [1, 2], keepDims: true);
        var flat = Ops.LessEqual(high, low);
        var span = Ops.Where(flat, 1f, Ops.Subtract(high, low));
        var stretched = Ops.Add(Ops.Multiply(Ops.Divide(Ops.Subtract(x, low), span), ValueRange.Upper - ValueRange.Lower), ValueRange.Lower);
        return Ops.Where(flat, x, Ops.Clip(stretched, ValueRange.Lower, ValueRange.Upper));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        return config;
    }

    internal static AutoContrast FromConfig(LayerConfig c) => new(RandomImageLayer.ReadValueRange(c), c.Name, c.Shape("input_shape"));
}
