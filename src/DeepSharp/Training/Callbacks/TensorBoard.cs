using DeepSharp.Serialization.Events;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Writes TensorBoard event files, as Keras's <c>TensorBoard(log_dir)</c>: every epoch, the training loss, metrics and
/// learning rate in <c>logDir/train</c> ("epoch_loss", "epoch_accuracy", "epoch_learning_rate") and the validation
/// values in <c>logDir/validation</c> under the same tags ("epoch_loss", without "val_"), at step = epoch, so that
/// TensorBoard draws the two runs on one chart. View them with <c>tensorboard --logdir logDir</c>. Each Fit starts
/// new files; each event is appended whole and flushed to disk, so a crash keeps every finished epoch readable.
/// </summary>
/// <remarks>
/// Only scalars are written (Keras's histograms, images, graphs and profiles are not). The files are TensorFlow's
/// format (length-prefixed records with masked CRC-32C, Event protobufs with simple_value summaries), written by
/// DeepSharp itself: no TensorFlow or protobuf package is needed, to write or to view.
/// </remarks>
public sealed class TensorBoard : Callback
{
    private TfEventFile? _train, _validation;
    private long _batches;

    /// <param name="logDir">The folder to write to (created if missing); Keras's default "logs".</param>
    /// <param name="updateFreq">
    /// Null (Keras's <c>update_freq="epoch"</c>): epoch values only. A number N: also, every N training steps, the
    /// running loss and metrics of the epoch so far as "batch_loss", ... in the train folder, at step = steps since Fit began.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="logDir"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="updateFreq"/> is below 1.</exception>
    public TensorBoard(string logDir = "logs", int? updateFreq = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDir);
        if (updateFreq is < 1) throw new ArgumentOutOfRangeException(nameof(updateFreq), updateFreq, "updateFreq is a number of steps ≥ 1, or null for once per epoch.");
        (LogDir, UpdateFreq) = (logDir, updateFreq);
    }

    /// <summary>The folder holding the "train" and "validation" folders.</summary>
    public string LogDir { get; }

    /// <summary>Steps between batch-level values; null for epoch values only.</summary>
    public int? UpdateFreq { get; }

    /// <summary>The event file of the training values of the current (or last) Fit; null before Fit.</summary>
    public string? TrainFile { get; private set; }

    /// <summary>The event file of the validation values of the current (or last) Fit; null until an epoch had validation.</summary>
    public string? ValidationFile { get; private set; }

    /// <inheritdoc/>
    protected internal override bool LogsLearningRate => true;

    /// <summary>Creates a new event file in <c>LogDir/train</c>.</summary>
    /// <exception cref="IOException">The folder or file cannot be created.</exception>
    public override void OnTrainBegin()
    {
        Close();
        (_batches, ValidationFile) = (0, null);
        _train = new TfEventFile(Path.Combine(LogDir, "train"));
        TrainFile = _train.Path;
    }

    /// <summary>Every <see cref="UpdateFreq"/> steps, the epoch's running values as "batch_" tags.</summary>
    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
    {
        _batches++;
        if (UpdateFreq is not { } n || _batches % n != 0 || _train is null) return;
        _train.WriteScalars(_batches, Tags(logs, "batch_", validation: false));
    }

    /// <summary>Writes the epoch's training values, and its validation values when it had some.</summary>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var train = _train ?? throw new InvalidOperationException("TensorBoard used outside Fit.");
        train.WriteScalars(epoch, Tags(logs, "epoch_", validation: false));
        var validation = Tags(logs, "epoch_", validation: true);
        if (validation.Count == 0) return;
        _validation ??= new TfEventFile(Path.Combine(LogDir, "validation"));
        ValidationFile = _validation.Path;
        _validation.WriteScalars(epoch, validation);
    }

    /// <summary>Closes the files.</summary>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs) => Close();

    internal override void OnFitExit() => Close();

    private static List<(string, float)> Tags(IReadOnlyDictionary<string, double> logs, string prefix, bool validation)
    {
        var tags = new List<(string, float)>();
        foreach (var (key, value) in logs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            bool isValidation = key.StartsWith("val_", StringComparison.Ordinal);
            if (isValidation != validation) continue;
            tags.Add((prefix + (validation ? key[4..] : key), (float)value));
        }
        return tags;
    }

    private void Close()
    {
        _train?.Dispose();
        _validation?.Dispose();
        (_train, _validation) = (null, null);
    }
}
