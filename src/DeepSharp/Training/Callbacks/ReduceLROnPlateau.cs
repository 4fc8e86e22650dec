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

    public ReduceLROnPlateau(string monitor = "val_loss", float factor = 0.1f, int patience = 10, MonitorMode mode = MonitorMode.Auto,
        float minDelta = 1e-4f, int cooldown = 0, float minLr = 0f)
    {
        if (!(factor < 1f && factor > 0f)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau needs a factor in (0, 1).");
        (Monitor, Factor, Patience, Mode, MinDelta, Cooldown, MinLr) = (monitor, factor, patience, mode, minDelta, cooldown, minLr);
    }

    public string Monitor { get; }
    public float Factor { get; }
    public int Patience { get; }
    public MonitorMode Mode { get; }
    public float MinDelta { get; }
    public int Cooldown { get; }
    public float MinLr { get; }
    protected internal override bool LogsLearningRate => true;

    private bool Maximise => Mode == MonitorMode.Max || (Mode == MonitorMode.Auto && Monitor.Contains("acc", StringComparison.Ordinal));

    public override void OnTrainBegin()
    {
        _best = Maximise ? double.NegativeInfinity : double.PositiveInfinity;
        (_wait, _cooldownCounter) = (0, 0);
    }

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
