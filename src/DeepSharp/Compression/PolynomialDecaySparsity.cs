namespace DeepSharp.Compression;

/// <summary>
/// tfmot's <c>PolynomialDecay</c> sparsity schedule: from <see cref="InitialSparsity"/> at the begin
/// step to <see cref="FinalSparsity"/> at the end step along
/// s(t) = final + (initial − final)·(1 − p)^power, p = clamp((t − begin)/(end − begin), 0, 1),
/// which prunes fast at first and slowly near the end. Masks are updated every
/// <see cref="PruningSchedule.Frequency"/> steps in [begin, end].
/// </summary>
public sealed class PolynomialDecaySparsity : PruningSchedule
{
    /// <param name="initialSparsity">Sparsity at the begin step, in [0, 1).</param>
    /// <param name="finalSparsity">Sparsity from the end step on, in [0, 1).</param>
    /// <param name="beginStep">First step that updates the masks.</param>
    /// <param name="endStep">Step at which the final sparsity is reached (must be &gt; beginStep).</param>
    /// <param name="power">Exponent of the decay (tfmot's default 3).</param>
    /// <param name="frequency">Steps between mask updates (tfmot's default 100).</param>
    /// <exception cref="ArgumentException">A sparsity outside [0, 1), endStep ≤ beginStep, a non-positive power or frequency.</exception>
    public PolynomialDecaySparsity(float initialSparsity, float finalSparsity, long beginStep, long endStep, float power = 3f, int frequency = 100)
        : base(beginStep, endStep, frequency)
    {
        InitialSparsity = CheckSparsity(initialSparsity, nameof(initialSparsity));
        FinalSparsity = CheckSparsity(finalSparsity, nameof(finalSparsity));
        if (endStep <= beginStep) throw new ArgumentException($"endStep must be > beginStep ({beginStep}); got {endStep}.", nameof(endStep));
        if (!(power > 0f) || !float.IsFinite(power)) throw new ArgumentException($"power must be positive; got {power}.", nameof(power));
        Power = power;
    }

    /// <summary>Sparsity at the begin step.</summary>
    public float InitialSparsity { get; }

    /// <summary>Sparsity from the end step on.</summary>
    public float FinalSparsity { get; }

    /// <summary>Exponent of the decay.</summary>
    public float Power { get; }

    /// <inheritdoc/>
    public override float Sparsity(long step)
    {
        double p = Math.Clamp((double)(step - BeginStep) / (EndStep - BeginStep), 0.0, 1.0);
        return (float)(FinalSparsity + (InitialSparsity - FinalSparsity) * Math.Pow(1.0 - p, Power));
    }
}
