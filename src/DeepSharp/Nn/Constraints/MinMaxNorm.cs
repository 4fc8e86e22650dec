using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Constraints;

/// <summary>
/// Keras's <c>MinMaxNorm</c>: each slice's norm n moves towards [min, max]:
/// w·((rate·clip(n, min, max) + (1 − rate)·n) / (ε + n)), ε = 1e-7; rate 1 enforces the range strictly.
/// </summary>
public sealed class MinMaxNorm : NormConstraint
{
    /// <param name="minValue">The smallest norm; ≥ 0 (Keras's default 0).</param>
    /// <param name="maxValue">The largest norm; ≥ <paramref name="minValue"/> (Keras's default 1).</param>
    /// <param name="rate">How far each step moves the norm into the range, in [0, 1] (Keras's default 1).</param>
    /// <param name="axes">The axes each norm runs over; null for Keras's axis 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, the range is empty or negative, or the rate is outside [0, 1].</exception>
    public MinMaxNorm(float minValue = 0f, float maxValue = 1f, float rate = 1f, int[]? axes = null) : base(axes ?? [0])
    {
        if (!float.IsFinite(minValue) || !float.IsFinite(maxValue) || minValue < 0f || maxValue < minValue)
            throw new ArgumentOutOfRangeException(nameof(maxValue), $"MinMaxNorm needs finite 0 ≤ min_value ≤ max_value, got {minValue} and {maxValue}.");
        if (!(rate >= 0f && rate <= 1f))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "MinMaxNorm's rate must be in [0, 1].");
        (MinValue, MaxValue, Rate) = (minValue, maxValue, rate);
    }

    /// <summary>The smallest norm.</summary>
    public float MinValue { get; }
    /// <summary>The largest norm.</summary>
    public float MaxValue { get; }
    /// <summary>How far each step moves the norm into the range.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    public override string ClassName => "MinMaxNorm";

    /// <inheritdoc/>
    protected override float Project(float w, float norm) =>
        w * ((Rate * Math.Clamp(norm, MinValue, MaxValue) + (1f - Rate) * norm) / (Epsilon + norm));

    /// <inheritdoc/>
    public override JsonObject GetConfig() =>
        new() { ["min_value"] = MinValue, ["max_value"] = MaxValue, ["rate"] = Rate, ["axis"] = AxisJson() };
}
