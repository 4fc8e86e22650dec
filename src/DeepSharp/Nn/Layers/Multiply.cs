using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Elementwise product of several inputs of one shape (gating).</summary>
public sealed class Multiply(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Multiply";

    /// <summary>The inputs' common shape; they must all be equal.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => SameShapes(inputShapes);

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var y = inputs[0];
        for (int i = 1; i < inputs.Count; i++) y = Ops.Multiply(y, inputs[i]);
        return y;
    }

    internal static Multiply FromConfig(LayerConfig c) => new(c.Name);
}
