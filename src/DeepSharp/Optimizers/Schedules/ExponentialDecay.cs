namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// lr(step) = initial · rate^(step / decaySteps); with <c>staircase</c> the exponent is
/// floored, so the rate drops in steps every <c>decaySteps</c> updates (Keras's ExponentialDecay).
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    public ExponentialDecay(float initialLearningRate, int decaySteps, float decayRate, bool staircase = false)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        RequirePositive(decayRate, nameof(decayRate));
        (InitialLearningRate, DecaySteps, DecayRate, Staircase) = (initialLearningRate, decaySteps, decayRate, staircase);
    }

    public float InitialLearningRate { get; }
    public int DecaySteps { get; }
    public float DecayRate { get; }
    public bool Staircase { get; }
    public override string Name => "ExponentialDecay";

    public override float Rate(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate * Math.Pow(DecayRate, p));
    }
}
