using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Regularizers;

/// <summary>
/// Keras's <c>L2</c>: penalty l2·Σx², l2 = 0.01 by default. There is no ½: its gradient is 2·l2·x,
/// so plain SGD takes w ← w − lr·(g + 2·l2·w).
/// </summary>
public sealed class L2 : Regularizer
{
    /// <param name="l2">Factor of Σx²; finite and ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2"/> is negative, NaN or infinite.</exception>
    public L2(float l2 = 0.01f) => Factor = CheckFactor(l2, nameof(l2));

    /// <summary>Factor of Σx² (Keras's <c>l2</c>).</summary>
    public float Factor { get; }

    /// <inheritdoc/>
    public override string ClassName => "L2";

    /// <inheritdoc/>
    public override Tensor Penalty(Tensor x) => Ops.WeightPenalty(x, 0f, Factor);

    internal override Tensor AddPenalty(Tensor? total, Tensor x, float scale) => Ops.WeightPenalty(x, 0f, Factor, scale, total);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l2"] = Factor };
}
