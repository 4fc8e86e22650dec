namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// values[0] while step ≤ boundaries[0], values[i] while boundaries[i−1] &lt; step ≤ boundaries[i],
/// and values[^1] after the last boundary (Keras's PiecewiseConstantDecay).
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly float[] _values;

    /// <param name="boundaries">The steps after which the next value takes over, increasing.</param>
    /// <param name="values">The rates, one more than the boundaries; each positive.</param>
    /// <exception cref="ArgumentException">The counts do not match, or the boundaries do not increase.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is not a positive finite number.</exception>
    public PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<float> values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != boundaries.Count + 1)
            throw new ArgumentException($"PiecewiseConstantDecay needs one more value than boundaries; got {boundaries.Count} boundaries and {values.Count} values.");
        for (int i = 1; i < boundaries.Count; i++)
            if (boundaries[i] <= boundaries[i - 1]) throw new ArgumentException("PiecewiseConstantDecay boundaries must increase.");
        foreach (float v in values) RequirePositive(v, nameof(values));
        _boundaries = [.. boundaries];
        _values = [.. values];
    }

    /// <summary>The steps after which the next value takes over, increasing.</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;
    /// <summary>The rates, one per interval (one more than the boundaries).</summary>
    public IReadOnlyList<float> Values => _values;
    /// <inheritdoc/>
    public override string Name => "PiecewiseConstantDecay";

    /// <inheritdoc/>
    public override float Rate(long step)
    {
        int i = 0;
        while (i < _boundaries.Length && step > _boundaries[i]) i++;
        return _values[i];
    }
}
