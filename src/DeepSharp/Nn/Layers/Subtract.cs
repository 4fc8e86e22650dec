using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The difference of exactly two inputs, first minus second (Keras's Subtract). The per-sample shapes
/// broadcast as Keras's merges do (each axis, counted from the last, equal or 1).
/// </summary>
public sealed class Subtract(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Subtract";

    /// <summary>The two inputs' broadcast shape.</summary>
    /// <exception cref="ArgumentException">There are not exactly two inputs.</exception>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 2)
            throw new ArgumentException($"Layer '{Name}' (Subtract) takes exactly 2 inputs; got {inputShapes.Count}.", nameof(inputShapes));
        return BroadcastShapes(inputShapes);
    }

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var xs = AlignRanks(inputs);
        return Ops.Subtract(xs[0], xs[1]);
    }

    internal static Subtract FromConfig(LayerConfig c) => new(c.Name);
}
