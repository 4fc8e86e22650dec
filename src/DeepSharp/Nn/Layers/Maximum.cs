using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The elementwise largest value of two or more inputs (Keras's Maximum). The per-sample shapes broadcast as
/// Keras's merges do (each axis, counted from the last, equal or 1). A NaN in any input gives NaN.
/// Gradient: where several inputs tie, they share it equally (two get half each, as torch.maximum;
/// see <see cref="Ops.Maximum(IReadOnlyList{Tensor})"/>).
/// </summary>
public sealed class Maximum(string? name = null) : MergeLayer(name)
{
    /// <inheritdoc/>
    public override string TypeName => "Maximum";

    /// <summary>The inputs' broadcast shape.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => BroadcastShapes(inputShapes);

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Ops.Maximum(AlignRanks(inputs));

    internal static Maximum FromConfig(LayerConfig c) => new(c.Name);
}
