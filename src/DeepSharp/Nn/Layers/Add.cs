using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Elementwise sum of two or more inputs (residual connections, Keras's Add). The per-sample shapes broadcast as Keras's merges do
/// (each axis, counted from the last, equal or 1; a lower-rank input gets size-1 axes after the batch axis).
/// </summary>
public sealed class Add(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Add";

    /// <summary>The inputs' broadcast shape.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => BroadcastShapes(inputShapes);

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var xs = AlignRanks(inputs);
        var y = xs[0];
        for (int i = 1; i < xs.Count; i++) y = Ops.Add(y, xs[i]);
        return y;
    }

    internal static Add FromConfig(LayerConfig c) => new(c.Name);
}
