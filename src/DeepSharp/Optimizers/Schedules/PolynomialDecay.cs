namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// Keras's PolynomialDecay: lr = (initial − end)·(1 − s/decaySteps)^power + end, with s = min(step,
/// decaySteps); with <c>cycle</c> the horizon grows instead to decaySteps·⌈step/decaySteps⌉
/// (at least decaySteps), so the rate jumps back up after each period.
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    public PolynomialDecay(float initialLearningRate, int decaySteps, float endLearningRate = 1e-4f, float power = 1f, bool cycle = false)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        RequireNonNegative(endLearningRate, nameof(endLearningRate));
        (InitialLearningRate, DecaySteps, EndLearningRate, Power, Cycle) = (initialLearningRate, decaySteps, endLearningRate, power, cycle);
    }

    public float InitialLearningRate { get; }
    public int DecaySteps { get; }
    public float EndLearningRate { get; }
    public float Power { get; }
    public bool Cycle { get; }
    public override string Name => "PolynomialDecay";

    public override float Rate(long step)
    {
        double s = step, horizon = DecaySteps;
        if (Cycle)
        {
            double multiplier = step == 0 ? 1 : Math.Ceiling(s / DecaySteps);
            horizon = DecaySteps * multiplier;
        }
        else
        {
            s = Math.Min(s, DecaySteps);
        }
        return (float)((InitialLearningRate - EndLearningRate) * Math.Pow(1 - s / horizon, Power) + EndLearningRate);
    }
}
