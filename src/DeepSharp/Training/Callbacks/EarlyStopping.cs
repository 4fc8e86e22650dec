namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Stops training when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs, as Keras's EarlyStopping: epochs before <see cref="StartFromEpoch"/>
/// are ignored, a <see cref="Baseline"/> must be beaten before the wait resets, and with
/// <see cref="RestoreBestWeights"/> the weights of the best epoch are put back when training ends.
/// </summary>
public sealed class EarlyStopping(string monitor = "val_loss", float minDelta = 0f, int patience = 0,
    MonitorMode mode = MonitorMode.Auto, double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0) : Callback
{
    private int _wait;
    private double? _best;
    private float[][]? _bestWeights;

    public string Monitor { get; } = monitor;
    public float MinDelta { get; } = Math.Abs(minDelta);
    public int Patience { get; } = patience;
    public MonitorMode Mode { get; } = mode;
    public double? Baseline { get; } = baseline;
    public bool RestoreBestWeights { get; } = restoreBestWeights;
    public int StartFromEpoch { get; } = startFromEpoch;

    /// <summary>The epoch at which training was stopped (0 if it was not).</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    public override void OnTrainBegin() => (_wait, _best, _bestWeights, StoppedEpoch, BestEpoch) = (0, null, null, 0, 0);

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
