using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Constraints;

/// <summary>Keras's <c>UnitNorm</c>: each slice along the axes is divided by (ε + its L2 norm), ε = 1e-7.</summary>
public sealed class UnitNorm : NormConstraint
{
    /// <param name="axes">The axes each norm runs over; null for Keras's axis 0.</param>
    public UnitNorm(int[]? axes = null) : base(axes ?? [0]) { }

    /// <inheritdoc/>
    public override string ClassName => "UnitNorm";

    /// <inheritdoc/>
    protected override float Project(float w, float norm) => w / (Epsilon + norm);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["axis"] = AxisJson() };
}
