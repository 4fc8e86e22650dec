using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The elementwise mean of two or more inputs (Keras's Average: their sum divided by their count).
/// The per-sample shapes broadcast as Keras's merges do (each axis, counted from the last, equal or 1).
/// </summary>
public sealed class Average(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Average";

    /// <summary>The inputs' broadcast shape.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => BroadcastShapes(inputShapes);

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var xs = AlignRanks(inputs);
        var sum = xs[0];
        for (int i = 1; i < xs.Count; i++) sum = Ops.Add(sum, xs[i]);
        return Ops.Divide(sum, xs.Count);
    }

    internal static Average FromConfig(LayerConfig c) => new(c.Name);
}
