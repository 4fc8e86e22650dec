namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecayRestarts (SGDR): cosine decay over a period that starts at
/// <c>firstDecaySteps</c> and is multiplied by tMul after each restart, while the peak is
/// multiplied by mMul. With f = step/firstDecaySteps, restart i = ⌊log(1 − f(1 − tMul))/log tMul⌋
/// (⌊f⌋ when tMul = 1) and the fraction into it is (f − (1 − tMul^i)/(1 − tMul))/tMul^i;
/// lr = initial·((1 − α)·½·mMul^i·(1 + cos(π·fraction)) + α).
/// </summary>
public sealed class CosineDecayRestarts : LearningRateSchedule
{
    /// <param name="initialLearningRate">The rate at the start of the first period; positive.</param>
    /// <param name="firstDecaySteps">Length of the first period in steps.</param>
    /// <param name="tMul">Factor on each period's length after a restart (Keras's <c>t_mul</c>); positive.</param>
    /// <param name="mMul">Factor on each period's peak after a restart (Keras's <c>m_mul</c>); non-negative.</param>
    /// <param name="alpha">The floor, as a fraction of <paramref name="initialLearningRate"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialLearningRate"/>, <paramref name="firstDecaySteps"/> or <paramref name="tMul"/> is not positive, or <paramref name="mMul"/> is negative (or a value is infinite).</exception>
    public CosineDecayRestarts(float initialLearningRate, int firstDecaySteps, float tMul = 2f, float mMul = 1f, float alpha = 0f)
    {
        RequirePositive(initialLearningRate, nameof(initialLearningRate));
        if (firstDecaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(firstDecaySteps), firstDecaySteps, "firstDecaySteps must be positive.");
        RequirePositive(tMul, nameof(tMul));
        RequireNonNegative(mMul, nameof(mMul));
        (InitialLearningRate, FirstDecaySteps, TMul, MMul, Alpha) = (initialLearningRate, firstDecaySteps, tMul, mMul, alpha);
    }

    /// <summary>The rate at the start of the first period.</summary>
    public float InitialLearningRate { get; }
    /// <summary>Length of the first period in steps.</summary>
    public int FirstDecaySteps { get; }
    /// <summary>Factor on each period's length after a restart (Keras's <c>t_mul</c>).</summary>
    public float TMul { get; }
    /// <summary>Factor on each period's peak after a restart (Keras's <c>m_mul</c>).</summary>
    public float MMul { get; }
    /// <summary>The floor, as a fraction of the initial rate.</summary>
    public float Alpha { get; }
    /// <inheritdoc/>
    public override string Name => "CosineDecayRestarts";

    /// <inheritdoc/>
    public override float Rate(long step)
    {
        double fraction = (double)step / FirstDecaySteps;
        double restart;
        if (TMul == 1f)
        {
            restart = Math.Floor(fraction);
            fraction -= restart;
        }
        else
        {
            restart = Math.Floor(Math.Log(1 - fraction * (1 - TMul)) / Math.Log(TMul));
            double before = (1 - Math.Pow(TMul, restart)) / (1 - TMul);
            fraction = (fraction - before) / Math.Pow(TMul, restart);
        }
        double cosine = 0.5 * Math.Pow(MMul, restart) * (1 + Math.Cos(Math.PI * fraction));
        return (float)(InitialLearningRate * ((1 - Alpha) * cosine + Alpha));
    }
}
