using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Mean over height and width of channels-last images: (batch, h, w, c) → (batch, c).</summary>
public sealed class GlobalAveragePooling2D(string? name = null, int[]? inputShape = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "GlobalAveragePooling2D";

    /// <summary>(channels): one value per channel.</summary>
    /// <exception cref="ShapeMismatchException">The input is not a non-empty (height, width, channels) image.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3 || inputShape[0] == 0 || inputShape[1] == 0) throw ShapeError("(batch, height, width, channels), non-empty", inputShape);
        return new Shape(inputShape[2]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    // One window covering the whole image: the average-pooling kernel computes the mean.
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        Ops.Reshape(Ops.AvgPool2D(x, (x.Shape[1], x.Shape[2]), (1, 1), false), x.Shape[0], x.Shape[3]);

    internal static GlobalAveragePooling2D FromConfig(LayerConfig c) => new(c.Name, c.Shape("input_shape"));
}
