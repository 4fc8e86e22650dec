namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecay. Without warm-up: lr = initial·((1 − α)·½(1 + cos(π·s/decaySteps)) + α) with
/// s = min(step, decaySteps). With <c>warmupTarget</c>, the rate first rises linearly
/// from initial to warmupTarget over <c>warmupSteps</c>, then decays from warmupTarget
/// as above over the next decaySteps.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <param name="initialLearningRate">The rate at step 0: the peak, or the start of the warm-up; non-negative.</param>
    /// <param name="decaySteps">Steps over which the rate falls from its peak to alpha·peak.</param>
    /// <param name="alpha">The floor, as a fraction of the peak (0: decay to zero).</param>
    /// <param name="warmupTarget">The peak that a linear warm-up climbs to from <paramref name="initialLearningRate"/>; null for no warm-up.</param>
    /// <param name="warmupSteps">Length of the warm-up in steps; used only with <paramref name="warmupTarget"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialLearningRate"/> is negative or infinite, <paramref name="decaySteps"/> is not positive, <paramref name="warmupSteps"/> is negative, or <paramref name="warmupTarget"/> is not a positive finite number.</exception>
    public CosineDecay(float initialLearningRate, int decaySteps, float alpha = 0f, float? warmupTarget = null, int warmupSteps = 0)
    {
        RequireNonNegative(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must not be negative.");
        if (warmupTarget is { } t) RequirePositive(t, nameof(warmupTarget));
        (InitialLearningRate, DecaySteps, Alpha, WarmupTarget, WarmupSteps) = (initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps);
    }

    /// <summary>The rate at step 0: the peak, or the start of the warm-up.</summary>
    public float InitialLearningRate { get; }
    /// <summary>Steps over which the rate falls from its peak to <see cref="Alpha"/>·peak.</summary>
    public int DecaySteps { get; }
    /// <summary>The floor, as a fraction of the peak.</summary>
    public float Alpha { get; }
    /// <summary>The peak that the warm-up climbs to; null: no warm-up.</summary>
    public float? WarmupTarget { get; }
    /// <summary>Length of the warm-up in steps.</summary>
    public int WarmupSteps { get; }
    /// <inheritdoc/>
    public override string Name => "CosineDecay";

    /// <inheritdoc/>
    public override float Rate(long step)
    {
        if (WarmupTarget is not { } target)
            return Decayed(Math.Min(step, DecaySteps), InitialLearningRate);
        long s = Math.Min(step, (long)DecaySteps + WarmupSteps);
        if (s < WarmupSteps)
            return (float)((target - InitialLearningRate) * ((double)s / WarmupSteps) + InitialLearningRate);
        return Decayed(s - WarmupSteps, target);
    }

    private float Decayed(long s, double from)
    {
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * s / DecaySteps));
        return (float)(from * ((1 - Alpha) * cosine + Alpha));
    }
}
