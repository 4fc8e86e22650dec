using DeepSharp.Serialization;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Keras's BackupAndRestore, made exact: saves a checkpoint (see <see cref="Checkpoint"/>) into
/// <see cref="Directory"/> at every epoch end and, if <see cref="SaveEveryNSteps"/> &gt; 0, every that
/// many training steps; the checkpoint before it is kept. When Fit starts and the folder holds a
/// checkpoint, training continues from its exact step: the same weights, optimizer state, random
/// streams and batch order, so the final weights are bitwise those of an uninterrupted run (same
/// seed and thread count). A corrupt latest checkpoint falls back to the previous one. When Fit is
/// cancelled, the checkpoint of the step it stopped after is written (if the latest is not that
/// one already) and kept, so the same Fit started again continues there.
/// </summary>
public sealed class BackupAndRestore : Callback
{
    /// <summary>File names inside the folder.</summary>
    public const string LatestFileName = "ckpt-latest.safetensors", PreviousFileName = "ckpt-previous.safetensors";

    /// <param name="directory">Folder of the checkpoints (created if missing); use one folder per training run.</param>
    /// <param name="saveEveryNSteps">Also save every this many steps (0: at epoch ends only).</param>
    /// <param name="deleteCheckpoint">Delete the checkpoints when training ends normally (Keras's default).</param>
    public BackupAndRestore(string directory, int saveEveryNSteps = 0, bool deleteCheckpoint = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (saveEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(saveEveryNSteps), saveEveryNSteps, "saveEveryNSteps must not be negative.");
        (Directory, SaveEveryNSteps, DeleteCheckpoint) = (directory, saveEveryNSteps, deleteCheckpoint);
    }

    public string Directory { get; }
    public int SaveEveryNSteps { get; }
    public bool DeleteCheckpoint { get; }

    public string LatestPath => Path.Combine(Directory, LatestFileName);
    public string PreviousPath => Path.Combine(Directory, PreviousFileName);

    /// <summary>The checkpoint the last Fit resumed from (null if it started afresh).</summary>
    public RestoredCheckpoint? Restored { get; private set; }

    /// <summary>Raised when Fit resumes from a checkpoint, before the first resumed step.</summary>
    public event Action<RestoredCheckpoint>? Resumed;

    // Where the latest checkpoint of this run stands (epoch, step, total steps), to write none twice.
    private (int, int, long)? _latestAt;

    public override void OnTrainBegin()
    {
        System.IO.Directory.CreateDirectory(Directory);
        (Restored, _latestAt) = (null, null);
        DataFormatException? latestError = null;
        foreach (var path in new[] { LatestPath, PreviousPath })
        {
            if (!File.Exists(path)) continue;
            try
            {
                var checkpoint = Checkpoint.Load(path);
                Trainer.RestoreCheckpoint(checkpoint, path);
                Restored = new RestoredCheckpoint(path, checkpoint.Epoch, checkpoint.Step, latestError?.Message);
                if (path == LatestPath) _latestAt = Position;
                Resumed?.Invoke(Restored);
                return;
            }
            catch (DataFormatException e) when (path == LatestPath)
            {
                latestError = e; // fall back to the previous checkpoint
            }
        }
        if (latestError is not null)
            throw new DataFormatException($"BackupAndRestore: the latest checkpoint is unusable and there is no previous one: {latestError.Message}", latestError);
    }

    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveEveryNSteps > 0 && Trainer.Run is { } run && run.TotalSteps % SaveEveryNSteps == 0) Save();
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Save();

    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (TrainingCancelled)
        {
            // Stopped at a step boundary: the checkpoint of that step is the one to resume from; keep it.
            if (_latestAt != Position) Save();
            return;
        }
        if (!DeleteCheckpoint) return;
        File.Delete(LatestPath);
        File.Delete(PreviousPath);
    }

    /// <summary>Writes the latest checkpoint, keeping the one before as the previous (each rename atomic).</summary>
    private void Save()
    {
        var file = CheckpointFile.ToFile(Trainer.CaptureCheckpoint());
        if (File.Exists(LatestPath)) File.Move(LatestPath, PreviousPath, overwrite: true);
        file.Save(LatestPath);
        _latestAt = Position;
    }

    private Trainer Trainer => Model?.Trainer ?? throw new InvalidOperationException("BackupAndRestore works inside Fit only.");

    private (int, int, long)? Position => Trainer.Run is { } run ? (run.Epoch, run.Step, run.TotalSteps) : null;
}

/// <summary>A checkpoint Fit resumed from: its file, the epoch (zero-based) and the steps of it already done; <paramref name="FallbackReason"/> says why the latest was skipped, if it was.</summary>
public sealed record RestoredCheckpoint(string Path, int Epoch, int Step, string? FallbackReason);
