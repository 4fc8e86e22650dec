namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> (not below <see cref="MinLr"/>) when
/// <see cref="Monitor"/> has not improved by <see cref="MinDelta"/> for <see cref="Patience"/> epochs,
/// then waits <see cref="Cooldown"/> epochs, as Keras's ReduceLROnPlateau (defaults: factor 0.1,
/// patience 10, minDelta 1e−4). Auto mode maximises names containing "acc".
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private double _best;
    private int _wait, _cooldownCounter;

    /// <param name="monitor">The log key to watch, e.g. "val_loss".</param>
    /// <param name="factor">Multiplier applied to the rate on a plateau, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement before the rate is reduced.</param>
    /// <param name="mode">Whether the value should fall or rise; Auto decides from the name.</param>
    /// <param name="minDelta">Margin by which a value must beat the best to count as an improvement.</param>
    /// <param name="cooldown">Epochs after a reduction during which no further reduction happens.</param>
    /// <param name="minLr">The rate is never reduced below this.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is not in (0, 1).</exception>
    public ReduceLROnPlateau(string monitor = "val_loss", float factor = 0.1f, int patience = 10, MonitorMode mode = MonitorMode.Auto,
        float minDelta = 1e-4f, int cooldown = 0, float minLr = 0f)
    {
        if (!(factor < 1f && factor > 0f)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau needs a factor in (0, 1).");
        (Monitor, Factor, Patience, Mode, MinDelta, Cooldown, MinLr) = (monitor, factor, patience, mode, minDelta, cooldown, minLr);
    }

    /// <summary>The log key watched; epochs whose logs lack it are skipped.</summary>
    public string Monitor { get; }
    /// <summary>The multiplier, in (0, 1), applied to the rate on each plateau.</summary>
    public float Factor { get; }
    /// <summary>Epochs without improvement after which the rate is reduced.</summary>
    public int Patience { get; }
    /// <summary>Whether lower (Min) or higher (Max) is better; Auto takes Max for names containing "acc" only.</summary>
    public MonitorMode Mode { get; }
    /// <summary>The margin by which a value must beat the best so far to count as an improvement.</summary>
    public float MinDelta { get; }
    /// <summary>Epochs after a reduction that neither count towards patience nor reduce again.</summary>
    public int Cooldown { get; }
    /// <summary>The lower bound of the learning rate; at or below it nothing changes.</summary>
    public float MinLr { get; }
    /// <inheritdoc/>
    protected internal override bool LogsLearningRate => true;

    private bool Maximise => Mode == MonitorMode.Max || (Mode == MonitorMode.Auto && Monitor.Contains("acc", StringComparison.Ordinal));

    /// <summary>Forgets the best value, the wait and the cooldown, so the callback can serve another Fit.</summary>
    public override void OnTrainBegin()
    {
        _best = Maximise ? double.NegativeInfinity : double.PositiveInfinity;
        (_wait, _cooldownCounter) = (0, 0);
    }

    /// <summary>Records an improvement, or counts the epoch and, once <see cref="Patience"/> is used up, multiplies the optimizer's rate by <see cref="Factor"/>.</summary>
    /// <exception cref="InvalidOperationException">The optimizer follows a learning-rate schedule, whose rate cannot be set.</exception>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.TryGetValue(Monitor, out double current)) return;
        if (_cooldownCounter > 0) { _cooldownCounter--; _wait = 0; }
        bool better = Maximise ? current > _best + MinDelta : current < _best - MinDelta;
        if (better) { (_best, _wait) = (current, 0); return; }
        if (_cooldownCounter > 0) return;
        if (++_wait < Patience) return;
        var optimizer = Model!.Optimizer!;
        float old = optimizer.LearningRate;
        if (old > MinLr)
        {
            optimizer.LearningRate = Math.Max(old * Factor, MinLr);
            (_cooldownCounter, _wait) = (Cooldown, 0);
        }
    }
}
