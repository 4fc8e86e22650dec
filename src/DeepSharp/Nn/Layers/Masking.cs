using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Masking: a timestep whose features all equal <see cref="MaskValue"/> is padding. The output
/// is the input with those steps zeroed, and the mask (1 for a real step, 0 for padding; the input's
/// shape without its last axis, (batch, time) for (batch, time, features)) passes on to the layers
/// after it: recurrent layers skip the masked steps, attention ignores them, GlobalAveragePooling1D
/// averages the rest, losses and metrics leave them out. A mask the layer receives is replaced, as in Keras.
/// </summary>
public sealed class Masking : Layer
{
    /// <param name="maskValue">The feature value that marks padding: a step is masked when every feature equals it.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maskValue"/> is NaN or infinite.</exception>
    public Masking(float maskValue = 0f, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!float.IsFinite(maskValue)) throw new ArgumentOutOfRangeException(nameof(maskValue), maskValue, "Masking's mask value must be a finite number.");
        MaskValue = maskValue;
    }

    /// <inheritdoc/>
    public override string TypeName => "Masking";

    /// <summary>Always true: the layer makes the mask it passes on.</summary>
    public override bool SupportsMasking => true;

    /// <summary>The feature value that marks a padded step.</summary>
    public float MaskValue { get; }

    /// <summary>The input's shape; per-sample inputs must have a time axis and a feature axis at least.</summary>
    /// <exception cref="ShapeMismatchException">The per-sample input has fewer than two axes.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 2)
            throw new ShapeMismatchException($"Layer '{Name}' (Masking) needs inputs (batch, time, features): a mask marks steps whose features all equal {MaskValue}; got {inputShape.ToBatchString()}.");
        return inputShape;
    }

    /// <summary>1 where a step has a feature other than <see cref="MaskValue"/>, 0 where all equal it; the input's shape without its last axis. The incoming mask is ignored.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Keep(input, new Shape(input.Shape.Dims[..^1]));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var dims = x.Shape.ToArray();
        dims[^1] = 1;
        return Ops.Multiply(x, Keep(x, new Shape(dims)));
    }

    /// <summary>In <paramref name="shape"/> (one entry per step): 1 where any feature of the step differs from the mask value.</summary>
    private Tensor Keep(Tensor x, Shape shape)
    {
        if (x.Rank < 3) ComputeOutputShape(x.Shape.WithoutBatch());
        int features = x.Shape[-1];
        var keep = Tensor.Temp(shape);
        var values = x.Span;
        var k = keep.Span;
        for (int step = 0; step < k.Length; step++)
        {
            var row = values.Slice(step * features, features);
            bool real = false;
            foreach (float v in row)
                if (v != MaskValue) { real = true; break; }
            k[step] = real ? 1f : 0f;
        }
        return keep;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["mask_value"] = MaskValue;
        return config;
    }

    internal static Masking FromConfig(LayerConfig c) => new(c.Float("mask_value", 0f), c.Name, c.Shape("input_shape"));
}
