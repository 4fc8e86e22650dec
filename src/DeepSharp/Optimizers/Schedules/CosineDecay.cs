namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecay. Without warm-up: lr = initial·((1 − α)·½(1 + cos(π·s/decaySteps)) + α) with
/// s = min(step, decaySteps). With <c>warmupTarget</c>, the rate first rises linearly
/// from initial to warmupTarget over <c>warmupSteps</c>, then decays from warmupTarget
/// as above over the next decaySteps.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    public CosineDecay(float initialLearningRate, int decaySteps, float alpha = 0f, float? warmupTarget = null, int warmupSteps = 0)
    {
        RequireNonNegative(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must not be negative.");
        if (warmupTarget is { } t) RequirePositive(t, nameof(warmupTarget));
        (InitialLearningRate, DecaySteps, Alpha, WarmupTarget, WarmupSteps) = (initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps);
    }

    public float InitialLearningRate { get; }
    public int DecaySteps { get; }
    public float Alpha { get; }
    public float? WarmupTarget { get; }
    public int WarmupSteps { get; }
    public override string Name => "CosineDecay";

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
