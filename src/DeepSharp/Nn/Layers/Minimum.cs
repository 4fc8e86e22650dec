using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The elementwise smallest value of two or more inputs (Keras's Minimum). The per-sample shapes broadcast as
/// Keras's merges do (each axis, counted from the last, equal or 1). A NaN in any input gives NaN.
/// Gradient: where several inputs tie, they share it equally (two get half each, as torch.minimum;
/// see <see cref="Ops.Minimum(IReadOnlyList{Tensor})"/>).
/// </summary>
public sealed class Minimum(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Minimum";

    /// <summary>The inputs' broadcast shape.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => BroadcastShapes(inputShapes);

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Ops.Minimum(AlignRanks(inputs));

    internal static Minimum FromConfig(LayerConfig c) => new(c.Name);
}
