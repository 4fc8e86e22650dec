using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// Everything a training run needs to continue bit for bit from a step: the weights, the optimizer's
/// state, the position (epoch, step, place in the data pass), every random generator training draws
/// from, the data order, the epoch's running loss and metric totals, and the history so far.
/// Written by the <c>BackupAndRestore</c> callback as one safetensors file (see docs/files.md, "Checkpoints").
/// </summary>
public sealed class Checkpoint
{
    /// <summary>The epoch to run next (zero-based).</summary>
    public int Epoch { get; init; }

    /// <summary>Steps of <see cref="Epoch"/> already done (0 at an epoch boundary).</summary>
    public int Step { get; init; }

    /// <summary>Training steps done in all, across epochs (what "every N steps" counts).</summary>
    public long TotalSteps { get; init; }

    /// <summary>Batches already taken from the running pass over the data; null when the next epoch starts a new pass.</summary>
    public int? PassBatch { get; init; }

    /// <summary>Weights by parameter path ("conv2d/kernel").</summary>
    public Dictionary<string, Tensor> Weights { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The optimizer's step count, learning rate and per-parameter slots (e.g. Adam's moments).</summary>
    public required OptimizerState Optimizer { get; init; }

    /// <summary>Generator states (four words each) by role: "shuffle", "global", "layers/{layer name}".</summary>
    public Dictionary<string, uint[]> Generators { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The sample order of the current pass (null when the data has no order to keep).</summary>
    public int[]? DataOrder { get; set; }

    /// <summary>The epoch's running loss: sum of loss × batch size, and the number of samples.</summary>
    public double LossSum { get; init; }
    /// <summary>Samples behind <see cref="LossSum"/>: <c>LossSum / LossCount</c> is the epoch's mean loss so far.</summary>
    public long LossCount { get; init; }

    /// <summary>Running totals of each metric that supports it (<c>Metric.GetState</c>), by metric name.</summary>
    public Dictionary<string, double[]> Metrics { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The settings of the training run that wrote it, which a resumed run must share: what Fit knows
    /// (batch size, samples, batches per pass, steps per epoch, shuffling, a hash of the model's
    /// architecture, the optimizer and its schedule), by name. Null in checkpoints written before they were recorded.
    /// </summary>
    public SortedDictionary<string, string>? FitSettings { get; set; }

    /// <summary>Settings the caller recorded (e.g. the command line's <c>--seed</c>, <c>--model</c>), compared the same way; null when none were given.</summary>
    public SortedDictionary<string, string>? RunSettings { get; set; }

    /// <summary>The history so far: the epochs recorded and each value per epoch.</summary>
    public List<int> HistoryEpochs { get; init; } = [];
    /// <summary>Each logged value ("loss", "val_accuracy", ...) by name, one per entry of <see cref="HistoryEpochs"/>.</summary>
    public Dictionary<string, List<double>> History { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Writes the checkpoint atomically (temporary file, flushed, renamed).</summary>
    public void Save(string path) => CheckpointFile.ToFile(this).Save(path);

    /// <summary>Reads and checks a checkpoint.</summary>
    /// <exception cref="DataFormatException">The file is not a valid, intact DeepSharp checkpoint (its checksum included).</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    public static Checkpoint Load(string path) => CheckpointFile.FromFile(SafetensorsFile.Load(path), path);

    /// <summary>Parses a checkpoint held in memory; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">The bytes are not a valid, intact DeepSharp checkpoint.</exception>
    public static Checkpoint Parse(ReadOnlyMemory<byte> bytes, string source) => CheckpointFile.FromFile(SafetensorsFile.Parse(bytes, source), source);
}
