namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Saves the model at the end of each epoch, as Keras's ModelCheckpoint: <see cref="Path"/> may hold
/// placeholders filled from the epoch (1-based, as Keras) and the epoch's logs, e.g.
/// <c>"model-{epoch:02d}-{val_loss:.4f}.safetensors"</c>. With <see cref="SaveBestOnly"/> a file is
/// written only when <see cref="Monitor"/> improves on the best value so far (an epoch whose logs
/// lack it writes nothing). Files are written atomically by <see cref="Model.Save"/> or, with
/// <see cref="SaveWeightsOnly"/>, <see cref="Model.SaveWeights"/>.
/// </summary>
/// <param name="path">File path, optionally with placeholders such as <c>{epoch:02d}</c> or <c>{val_loss:.4f}</c>; missing folders are created.</param>
/// <param name="monitor">The log key compared with <paramref name="saveBestOnly"/>.</param>
/// <param name="saveBestOnly">Write only when the monitored value improves on the best so far.</param>
/// <param name="mode">Whether the value should fall or rise; Auto decides from the name.</param>
/// <param name="saveWeightsOnly">Write the weights alone (no architecture), as <see cref="Model.SaveWeights"/>.</param>
/// <param name="initialValueThreshold">A value the first saved epoch must beat; null: none.</param>
/// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
public sealed class ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false,
    MonitorMode mode = MonitorMode.Auto, bool saveWeightsOnly = false, double? initialValueThreshold = null) : Callback
{
    private double? _best;

    /// <summary>The file path pattern; each save fills its placeholders from the epoch (1-based) and its logs.</summary>
    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));
    /// <summary>The log key that decides what "best" means when <see cref="SaveBestOnly"/> is set.</summary>
    public string Monitor { get; } = monitor;
    /// <summary>Whether a file is written only for an epoch that improves on the best value so far.</summary>
    public bool SaveBestOnly { get; } = saveBestOnly;
    /// <summary>Whether lower (Min) or higher (Max) is better; Auto takes Max for names containing "acc" or "auc" and for the metrics Keras 3 marks higher-is-better (see <see cref="MonitorMode.Auto"/>).</summary>
    public MonitorMode Mode { get; } = mode;
    /// <summary>Whether only the weights are written, without the architecture (load them into a model you build).</summary>
    public bool SaveWeightsOnly { get; } = saveWeightsOnly;

    /// <summary>The value a monitored value must beat before the first save (Keras's initial_value_threshold).</summary>
    public double? InitialValueThreshold { get; } = initialValueThreshold;

    /// <summary>The best monitored value seen so far (null before the first).</summary>
    public double? Best => _best;

    /// <summary>The path of the last file written (null if none yet).</summary>
    public string? LastSavedPath { get; private set; }

    /// <summary>Starts the best value at <see cref="InitialValueThreshold"/> and forgets the last saved path.</summary>
    public override void OnTrainBegin() => (_best, LastSavedPath) = (InitialValueThreshold, null);

    /// <summary>Writes the model to the epoch's path, unless <see cref="SaveBestOnly"/> and the epoch is not an improvement (or its value is missing or NaN).</summary>
    /// <exception cref="IOException">The folder or the file cannot be written.</exception>
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
