using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Mean over the steps of (batch, steps, channels) → (batch, channels), or (batch, 1, channels) with
/// keepDims. With a (batch, steps) mask it averages only the unmasked steps, as Keras does
/// (Σ x·mask / Σ mask: a sample with every step masked gives NaN, 0/0, as in Keras); the output has
/// no mask.
/// </summary>
public sealed class GlobalAveragePooling1D(bool keepDims = false, string? name = null, int[]? inputShape = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalAveragePooling1D";
    /// <summary>Whether the steps axis stays, with size 1 (Keras's <c>keepdims</c>).</summary>
    public bool KeepDims { get; } = keepDims;
    /// <summary>True: a (batch, steps) mask selects the steps averaged.</summary>
    public override bool SupportsMasking => true;
    /// <summary>None: the steps are gone.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask) => null;

    /// <summary>(channels), or (1, channels) with <see cref="KeepDims"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not a non-empty (steps, channels) sequence.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2 || inputShape[0] == 0) throw ShapeError("(batch, steps, channels), non-empty", inputShape);
        return KeepDims ? new Shape(1, inputShape[1]) : new Shape(inputShape[1]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Forward(x, null, training);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        int batch = x.Shape[0], steps = x.Shape[1], channels = x.Shape[2];
        if (mask is not null)
        {
            if (mask.Shape != new Shape(batch, steps))
                throw new ShapeMismatchException($"Layer '{Name}' (GlobalAveragePooling1D) takes a (batch, steps) mask {new Shape(batch, steps)} for inputs {x.Shape}; got {mask.Shape}.");
            x = Ops.Multiply(x, Ops.Reshape(mask, batch, steps, 1));
        }
        // One window covering the whole sequence (as an image of height 1) gives the mean over all steps.
        var y = Ops.Reshape(Ops.AvgPool2D(Ops.Reshape(x, batch, 1, steps, channels), (1, steps), (1, 1), false), batch, channels);
        if (mask is not null) y = Ops.Multiply(y, StepsPerKept(mask, batch, steps));
        return KeepDims ? Ops.Reshape(y, batch, 1, channels) : y;
    }

    /// <summary>steps / Σ mask per sample, (batch, 1): turns the mean over all steps into the mean over the kept ones.</summary>
    private static Tensor StepsPerKept(Tensor mask, int batch, int steps)
    {
        var scale = Tensor.Zeros(batch, 1);
        var m = mask.Span;
        var s = scale.Span;
        for (int b = 0; b < batch; b++)
        {
            float kept = 0f;
            for (int t = 0; t < steps; t++) kept += m[b * steps + t];
            s[b] = steps / kept;
        }
        return scale;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["keepdims"] = KeepDims;
        return config;
    }

    internal static GlobalAveragePooling1D FromConfig(LayerConfig c)
    {
        Pooling1D.RequireChannelsLast(c);
        return new(c.Bool("keepdims", false), c.Name, c.Shape("input_shape"));
    }
}
