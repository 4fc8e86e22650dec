namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// lr(step) = initial · rate^(step / decaySteps); with <c>staircase</c> the exponent is
/// floored, so the rate drops in steps every <c>decaySteps</c> updates (Keras's ExponentialDecay).
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <param name="initialLearningRate">The rate at step 0; positive.</param>
    /// <param name="decaySteps">Steps over which the rate is multiplied by <paramref name="decayRate"/> once.</param>
    /// <param name="decayRate">Factor per <paramref name="decaySteps"/> steps (below 1 to decay); positive.</param>
    /// <param name="staircase">Change the rate only at whole multiples of <paramref name="decaySteps"/> instead of continuously.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialLearningRate"/> or <paramref name="decayRate"/> is not a positive finite number, or <paramref name="decaySteps"/> is not positive.</exception>
    public ExponentialDecay(float initialLearningRate, int decaySteps, float decayRate, bool staircase = false)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        RequirePositive(decayRate, nameof(decayRate));
        (InitialLearningRate, DecaySteps, DecayRate, Staircase) = (initialLearningRate, decaySteps, decayRate, staircase);
    }

    /// <summary>The rate at step 0.</summary>
    public float InitialLearningRate { get; }
    /// <summary>Steps over which the rate is multiplied by <see cref="DecayRate"/> once.</summary>
    public int DecaySteps { get; }
    /// <summary>Factor per <see cref="DecaySteps"/> steps.</summary>
    public float DecayRate { get; }
    /// <summary>Whether the rate changes only at whole multiples of <see cref="DecaySteps"/>.</summary>
    public bool Staircase { get; }
    /// <inheritdoc/>
    public override string Name => "ExponentialDecay";

    /// <inheritdoc/>
    public override float Rate(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate * Math.Pow(DecayRate, p));
    }
}
