using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Flattens each sample to one axis, in row-major (h, w, c) order (a free view).</summary>
public sealed class Flatten(string? name = null, int[]? inputShape = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "Flatten";

    /// <summary>One axis holding all the sample's values: (product of the input's sizes).</summary>
    public override Shape ComputeOutputShape(Shape inputShape) => new(inputShape.Size);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Reshape(x, x.Shape[0], -1);

    internal static Flatten FromConfig(LayerConfig c) => new(c.Name, c.Shape("input_shape"));
}
