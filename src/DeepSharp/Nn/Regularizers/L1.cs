using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Regularizers;

/// <summary>Keras's <c>L1</c>: penalty l1·Σ|x|, l1 = 0.01 by default; pushes weights to exactly 0.</summary>
public sealed class L1 : Regularizer
{
    /// <param name="l1">Factor of Σ|x|; finite and ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l1"/> is negative, NaN or infinite.</exception>
    public L1(float l1 = 0.01f) => Factor = CheckFactor(l1, nameof(l1));

    /// <summary>Factor of Σ|x| (Keras's <c>l1</c>).</summary>
    public float Factor { get; }

    /// <inheritdoc/>
    public override string ClassName => "L1";

    /// <inheritdoc/>
    public override Tensor Penalty(Tensor x) => Ops.WeightPenalty(x, Factor, 0f);

    internal override Tensor AddPenalty(Tensor? total, Tensor x, float scale) => Ops.WeightPenalty(x, Factor, 0f, scale, total);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l1"] = Factor };
}
