namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// lr = initial / (1 + decayRate · step / decaySteps), the ratio floored with
/// <c>staircase</c> (Keras's InverseTimeDecay).
/// </summary>
public sealed class InverseTimeDecay : LearningRateSchedule
{
    public InverseTimeDecay(float initialLearningRate, int decaySteps, float decayRate, bool staircase = false)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        RequireNonNegative(decayRate, nameof(decayRate));
        (InitialLearningRate, DecaySteps, DecayRate, Staircase) = (initialLearningRate, decaySteps, decayRate, staircase);
    }

    public float InitialLearningRate { get; }
    public int DecaySteps { get; }
    public float DecayRate { get; }
    public bool Staircase { get; }
    public override string Name => "InverseTimeDecay";

    public override float Rate(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate / (1 + DecayRate * p));
    }
}
