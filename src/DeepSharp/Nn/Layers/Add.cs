using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Elementwise sum of several inputs of one shape (residual connections).</summary>
public sealed class Add(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Add";

    /// <summary>The inputs' common shape; they must all be equal.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => SameShapes(inputShapes);

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var y = inputs[0];
        for (int i = 1; i < inputs.Count; i++) y = Ops.Add(y, inputs[i]);
        return y;
    }

    internal static Add FromConfig(LayerConfig c) => new(c.Name);
}
