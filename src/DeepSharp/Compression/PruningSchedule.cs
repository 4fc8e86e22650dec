namespace DeepSharp.Compression;

/// <summary>
/// When and how far to prune, as a function of the training step (tfmot's
/// <c>PruningSchedule</c>): at each step the schedule says whether the masks are recomputed and the
/// sparsity they then reach. Steps count optimizer updates from the start of pruning (0 for the first batch).
/// </summary>
public abstract class PruningSchedule
{
    /// <param name="beginStep">The first step at which masks are updated.</param>
    /// <param name="endStep">The last step at which masks are updated; −1 for no end.</param>
    /// <param name="frequency">Masks are updated every <paramref name="frequency"/> steps from <paramref name="beginStep"/>.</param>
    /// <exception cref="ArgumentException">A negative begin, an end before the begin, or a frequency below 1.</exception>
    protected PruningSchedule(long beginStep, long endStep, int frequency)
    {
        if (beginStep < 0) throw new ArgumentException($"beginStep must be ≥ 0; got {beginStep}.", nameof(beginStep));
        if (endStep != -1 && endStep < beginStep)
            throw new ArgumentException($"endStep must be −1 or ≥ beginStep ({beginStep}); got {endStep}.", nameof(endStep));
        if (frequency < 1) throw new ArgumentException($"frequency must be ≥ 1; got {frequency}.", nameof(frequency));
        BeginStep = beginStep;
        EndStep = endStep;
        Frequency = frequency;
    }

    /// <summary>The first step at which masks are updated.</summary>
    public long BeginStep { get; }

    /// <summary>The last step at which masks are updated (−1: none).</summary>
    public long EndStep { get; }

    /// <summary>Steps between mask updates.</summary>
    public int Frequency { get; }

    /// <summary>The sparsity (fraction of pruned weights, 0..1) the masks reach when updated at <paramref name="step"/>.</summary>
    public abstract float Sparsity(long step);

    /// <summary>Whether the masks are updated at <paramref name="step"/>: within [begin, end] and on a multiple of the frequency from begin (tfmot's rule).</summary>
    public bool ShouldPrune(long step) =>
        step >= BeginStep && (EndStep == -1 || step <= EndStep) && (step - BeginStep) % Frequency == 0;

    /// <summary>Checks a sparsity argument: finite and in [0, 1).</summary>
    protected static float CheckSparsity(float sparsity, string name) =>
        float.IsFinite(sparsity) && sparsity is >= 0f and < 1f ? sparsity
            : throw new ArgumentException($"{name} must be in [0, 1); got {sparsity}.", name);
}
