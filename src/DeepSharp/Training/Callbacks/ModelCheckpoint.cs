namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Saves the model at the end of each epoch, as Keras's ModelCheckpoint: <see cref="Path"/> may hold
/// placeholders filled from the epoch (1-based, as Keras) and the epoch's logs, e.g.
/// <c>"model-{epoch:02d}-{val_loss:.4f}.safetensors"</c>. With <see cref="SaveBestOnly"/> a file is
/// written only when <see cref="Monitor"/> improves on the best value so far (an epoch whose logs
/// lack it writes nothing). Files are written atomically by <see cref="Model.Save"/> or, with
/// <see cref="SaveWeightsOnly"/>, <see cref="Model.SaveWeights"/>.
/// </summary>
public sealed class ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false,
    MonitorMode mode = MonitorMode.Auto, bool saveWeightsOnly = false, double? initialValueThreshold = null) : Callback
{
    private double? _best;

    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));
    public string Monitor { get; } = monitor;
    public bool SaveBestOnly { get; } = saveBestOnly;
    public MonitorMode Mode { get; } = mode;
    public bool SaveWeightsOnly { get; } = saveWeightsOnly;

    /// <summary>The value a monitored value must beat before the first save (Keras's initial_value_threshold).</summary>
    public double? InitialValueThreshold { get; } = initialValueThreshold;

    /// <summary>The best monitored value seen so far (null before the first).</summary>
    public double? Best => _best;

    /// <summary>The path of the last file written (null if none yet).</summary>
    public string? LastSavedPath { get; private set; }

    public override void OnTrainBegin() => (_best, LastSavedPath) = (InitialValueThreshold, null);

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveBestOnly)
        {
            if (!logs.TryGetValue(Monitor, out double current) || double.IsNaN(current)) return;
            if (_best is { } best && !(Callbacks.Monitor.Maximises(Mode, Monitor) ? current > best : current < best)) return;
            _best = current;
        }
        string file = CheckpointPath.Format(Path, epoch + 1, logs);
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file));
        if (folder is not null) Directory.CreateDirectory(folder);
        if (SaveWeightsOnly) Model!.SaveWeights(file);
        else Model!.Save(file);
        LastSavedPath = file;
    }
}
