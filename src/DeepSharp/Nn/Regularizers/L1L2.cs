using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Regularizers;

/// <summary>Keras's <c>L1L2</c>: penalty l1·Σ|x| + l2·Σx² (no ½); both factors default to 0.</summary>
public sealed class L1L2 : Regularizer
{
    /// <param name="l1">Factor of Σ|x|; finite and ≥ 0.</param>
    /// <param name="l2">Factor of Σx²; finite and ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is negative, NaN or infinite.</exception>
    public L1L2(float l1 = 0f, float l2 = 0f)
    {
        L1 = CheckFactor(l1, nameof(l1));
        L2 = CheckFactor(l2, nameof(l2));
    }

    /// <summary>Factor of Σ|x|.</summary>
    public float L1 { get; }

    /// <summary>Factor of Σx².</summary>
    public float L2 { get; }

    /// <inheritdoc/>
    public override string ClassName => "L1L2";

    /// <inheritdoc/>
    public override Tensor Penalty(Tensor x) => Ops.WeightPenalty(x, L1, L2);

    internal override Tensor AddPenalty(Tensor? total, Tensor x, float scale) => Ops.WeightPenalty(x, L1, L2, scale, total);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l1"] = L1, ["l2"] = L2 };
}
