using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Constraints;

/// <summary>
/// Keras's <c>MaxNorm</c>: each slice along the axes whose L2 norm exceeds <see cref="MaxValue"/> is
/// scaled down to it: w·(clip(n, 0, max) / (ε + n)), ε = 1e-7.
/// </summary>
public sealed class MaxNorm : NormConstraint
{
    /// <param name="maxValue">The largest norm a slice keeps; finite and ≥ 0 (Keras's default 2).</param>
    /// <param name="axes">The axes each norm runs over; null for Keras's axis 0 (a Dense unit's incoming weights). For a Conv2D kernel (kh, kw, in, out) Keras suggests [0, 1, 2].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxValue"/> is negative or not finite.</exception>
    public MaxNorm(float maxValue = 2f, int[]? axes = null) : base(axes ?? [0]) =>
        MaxValue = float.IsFinite(maxValue) && maxValue >= 0f ? maxValue
            : throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, "MaxNorm's max_value must be a finite number ≥ 0.");

    /// <summary>The largest norm a slice keeps.</summary>
    public float MaxValue { get; }

    /// <inheritdoc/>
    public override string ClassName => "MaxNorm";

    /// <inheritdoc/>
    protected override float Project(float w, float norm) => w * (Math.Clamp(norm, 0f, MaxValue) / (Epsilon + norm));

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["max_value"] = MaxValue, ["axis"] = AxisJson() };
}
