namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Stops training when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs, as Keras's EarlyStopping: epochs before <see cref="StartFromEpoch"/>
/// are ignored, a <see cref="Baseline"/> must be beaten before the wait resets, and with
/// <see cref="RestoreBestWeights"/> the weights of the best epoch are put back when training ends.
/// </summary>
/// <param name="monitor">The log key to watch, e.g. "val_loss" or "val_accuracy".</param>
/// <param name="minDelta">Smallest change that counts as an improvement (its absolute value is used).</param>
/// <param name="patience">Epochs without improvement to allow before stopping.</param>
/// <param name="mode">Whether the value should fall or rise; Auto decides from the name.</param>
/// <param name="baseline">A value the monitor must beat before patience resets; null: none.</param>
/// <param name="restoreBestWeights">Put back the best epoch's weights when training ends.</param>
/// <param name="startFromEpoch">Epochs (zero-based) before this one are not watched, e.g. for a warm-up.</param>
public sealed class EarlyStopping(string monitor = "val_loss", float minDelta = 0f, int patience = 0,
    MonitorMode mode = MonitorMode.Auto, double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0) : Callback
{
    private int _wait;
    private double? _best;
    private float[][]? _bestWeights;

    /// <summary>The log key watched; epochs whose logs lack it are skipped.</summary>
    public string Monitor { get; } = monitor;
    /// <summary>The margin, ≥ 0, by which a value must beat the best so far to count as an improvement.</summary>
    public float MinDelta { get; } = Math.Abs(minDelta);
    /// <summary>Watched epochs without improvement after which training stops (0: stop at the first such epoch).</summary>
    public int Patience { get; } = patience;
    /// <summary>Whether lower (Min) or higher (Max) is better; Auto takes Max for names containing "acc" or "auc" and for the metrics Keras 3 marks higher-is-better (precision, recall, F-scores, IoUs, R², correlations; see <see cref="MonitorMode.Auto"/>), Min otherwise.</summary>
    public MonitorMode Mode { get; } = mode;
    /// <summary>A value the monitor must beat before the wait resets; null when any improvement resets it.</summary>
    public double? Baseline { get; } = baseline;
    /// <summary>Whether the best epoch's weights are copied back into the model when training ends (not after a cancellation).</summary>
    public bool RestoreBestWeights { get; } = restoreBestWeights;
    /// <summary>The first epoch (zero-based) that is watched.</summary>
    public int StartFromEpoch { get; } = startFromEpoch;

    /// <summary>The epoch at which training was stopped (0 if it was not).</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Forgets the best value and the wait, so the callback can serve another Fit.</summary>
    public override void OnTrainBegin() => (_wait, _best, _bestWeights, StoppedEpoch, BestEpoch) = (0, null, null, 0, 0);

    /// <summary>Records an improvement, or counts the epoch towards <see cref="Patience"/> and sets <see cref="Model.StopTraining"/> when it is used up.</summary>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.TryGetValue(Monitor, out double current) || epoch < StartFromEpoch) return;
        if (RestoreBestWeights && _bestWeights is null) _bestWeights = Snapshot();
        _wait++;
        if (Improves(current, _best))
        {
            (_best, BestEpoch) = (current, epoch);
            if (RestoreBestWeights) _bestWeights = Snapshot();
            if (Baseline is null || Improves(current, Baseline)) _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Model!.StopTraining = true;
        }
    }

    /// <summary>With <see cref="RestoreBestWeights"/>, copies the best epoch's weights back (unless Fit was cancelled).</summary>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        // A cancelled run is not over: it keeps its last step's weights, which its checkpoint holds.
        if (!RestoreBestWeights || _bestWeights is null || TrainingCancelled) return;
        int i = 0;
        foreach (var p in Model!.Parameters) _bestWeights[i++].CopyTo(p.Value.Span);
    }

    private bool Improves(double value, double? reference)
    {
        if (reference is not { } r) return true;
        return Callbacks.Monitor.Maximises(Mode, Monitor) ? value - MinDelta > r : value + MinDelta < r;
    }

    private float[][] Snapshot() => Model!.Parameters.Select(p => p.Value.ToArray()).ToArray();
}
