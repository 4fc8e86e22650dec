namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// values[0] while step ≤ boundaries[0], values[i] while boundaries[i−1] &lt; step ≤ boundaries[i],
/// and values[^1] after the last boundary (Keras's PiecewiseConstantDecay).
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly float[] _values;

    public PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<float> values)
    {
        if (values.Count != boundaries.Count + 1)
            throw new ArgumentException($"PiecewiseConstantDecay needs one more value than boundaries; got {boundaries.Count} boundaries and {values.Count} values.");
        for (int i = 1; i < boundaries.Count; i++)
            if (boundaries[i] <= boundaries[i - 1]) throw new ArgumentException("PiecewiseConstantDecay boundaries must increase.");
        foreach (float v in values) RequirePositive(v, nameof(values));
        _boundaries = [.. boundaries];
        _values = [.. values];
    }

    public IReadOnlyList<long> Boundaries => _boundaries;
    public IReadOnlyList<float> Values => _values;
    public override string Name => "PiecewiseConstantDecay";

    public override float Rate(long step)
    {
        int i = 0;
        while (i < _boundaries.Length && step > _boundaries[i]) i++;
        return _values[i];
    }
}
