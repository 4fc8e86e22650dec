using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Elementwise product of several inputs of one shape (gating).</summary>
public sealed class Multiply(string? name = null) : MergeLayer(name)
{
    public override string TypeName => "Multiply";

    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => SameShapes(inputShapes);

    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var y = inputs[0];
        for (int i = 1; i < inputs.Count; i++) y = Ops.Multiply(y, inputs[i]);
        return y;
    }

    internal static Multiply FromConfig(LayerConfig c) => new(c.Name);
}
