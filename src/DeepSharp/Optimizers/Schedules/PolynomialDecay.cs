namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// Keras's PolynomialDecay: lr = (initial − end)·(1 − s/decaySteps)^power + end, with s = min(step,
/// decaySteps); with <c>cycle</c> the horizon grows instead to decaySteps·⌈step/decaySteps⌉
/// (at least decaySteps), so the rate jumps back up after each period.
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <param name="initialLearningRate">The rate at step 0; positive.</param>
    /// <param name="decaySteps">Steps over which the rate falls to <paramref name="endLearningRate"/>.</param>
    /// <param name="endLearningRate">The rate from <paramref name="decaySteps"/> on (Keras's 1e-4); non-negative.</param>
    /// <param name="power">Exponent of the curve: 1, the default, is linear; above 1 falls faster at first.</param>
    /// <param name="cycle">Past <paramref name="decaySteps"/>, stretch the horizon to the next multiple of it (the rate jumps back up) instead of staying at <paramref name="endLearningRate"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialLearningRate"/> is not a positive finite number, <paramref name="endLearningRate"/> is negative or infinite, or <paramref name="decaySteps"/> is not positive.</exception>
    public PolynomialDecay(float initialLearningRate, int decaySteps, float endLearningRate = 1e-4f, float power = 1f, bool cycle = false)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        RequireNonNegative(endLearningRate, nameof(endLearningRate));
        (InitialLearningRate, DecaySteps, EndLearningRate, Power, Cycle) = (initialLearningRate, decaySteps, endLearningRate, power, cycle);
    }

    /// <summary>The rate at step 0.</summary>
    public float InitialLearningRate { get; }
    /// <summary>Steps over which the rate falls to <see cref="EndLearningRate"/>.</summary>
    public int DecaySteps { get; }
    /// <summary>The rate from <see cref="DecaySteps"/> on (without <see cref="Cycle"/>).</summary>
    public float EndLearningRate { get; }
    /// <summary>Exponent of the curve; 1 is linear.</summary>
    public float Power { get; }
    /// <summary>Whether the horizon stretches to the next multiple of <see cref="DecaySteps"/> past its end, so the rate jumps back up.</summary>
    public bool Cycle { get; }
    /// <inheritdoc/>
    public override string Name => "PolynomialDecay";

    /// <inheritdoc/>
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
