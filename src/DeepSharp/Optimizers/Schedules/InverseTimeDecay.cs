namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// lr = initial / (1 + decayRate · step / decaySteps), the ratio floored with
/// <c>staircase</c> (Keras's InverseTimeDecay).
/// </summary>
public sealed class InverseTimeDecay : LearningRateSchedule
{
    /// <param name="initialLearningRate">The rate at step 0; positive.</param>
    /// <param name="decaySteps">The unit of steps the decay counts in.</param>
    /// <param name="decayRate">How fast the rate falls: it has halved once decayRate·step/decaySteps reaches 1; non-negative.</param>
    /// <param name="staircase">Change the rate only at whole multiples of <paramref name="decaySteps"/> instead of continuously.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialLearningRate"/> is not a positive finite number, <paramref name="decayRate"/> is negative or infinite, or <paramref name="decaySteps"/> is not positive.</exception>
    public InverseTimeDecay(float initialLearningRate, int decaySteps, float decayRate, bool staircase = false)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
        RequireNonNegative(decayRate, nameof(decayRate));
        (InitialLearningRate, DecaySteps, DecayRate, Staircase) = (initialLearningRate, decaySteps, decayRate, staircase);
    }

    /// <summary>The rate at step 0.</summary>
    public float InitialLearningRate { get; }
    /// <summary>The unit of steps the decay counts in.</summary>
    public int DecaySteps { get; }
    /// <summary>How fast the rate falls: it has halved once DecayRate·step/DecaySteps reaches 1.</summary>
    public float DecayRate { get; }
    /// <summary>Whether the rate changes only at whole multiples of <see cref="DecaySteps"/>.</summary>
    public bool Staircase { get; }
    /// <inheritdoc/>
    public override string Name => "InverseTimeDecay";

    /// <inheritdoc/>
    public override float Rate(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate / (1 + DecayRate * p));
    }
}
