using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Maximum over the steps of (batch, steps, channels) → (batch, channels), or (batch, 1, channels) with keepDims. Masks are dropped, as in Keras.</summary>
public sealed class GlobalMaxPooling1D(bool keepDims = false, string? name = null, int[]? inputShape = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalMaxPooling1D";
    /// <summary>Whether the steps axis stays, with size 1 (Keras's <c>keepdims</c>).</summary>
    public bool KeepDims { get; } = keepDims;

    /// <summary>(channels), or (1, channels) with <see cref="KeepDims"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not a non-empty (steps, channels) sequence.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2 || inputShape[0] == 0) throw ShapeError("(batch, steps, channels), non-empty", inputShape);
        return KeepDims ? new Shape(1, inputShape[1]) : new Shape(inputShape[1]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    // One window covering the whole sequence (as an image of height 1); the gradient goes to the first maximum.
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int batch = x.Shape[0], steps = x.Shape[1], channels = x.Shape[2];
        var y = Ops.MaxPool2D(Ops.Reshape(x, batch, 1, steps, channels), (1, steps), (1, 1), false);
        return KeepDims ? Ops.Reshape(y, batch, 1, channels) : Ops.Reshape(y, batch, channels);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["keepdims"] = KeepDims;
        return config;
    }

    internal static GlobalMaxPooling1D FromConfig(LayerConfig c)
    {
        Pooling1D.RequireChannelsLast(c);
        return new(c.Bool("keepdims", false), c.Name, c.Shape("input_shape"));
    }
}
