using DeepSharp.Serialization;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Keras's BackupAndRestore, made exact: saves a checkpoint (see <see cref="Checkpoint"/>) into
/// <see cref="Directory"/> at every epoch end and, if <see cref="SaveEveryNSteps"/> &gt; 0, every that
/// many training steps; the checkpoint before it is kept. When Fit starts and the folder holds a
/// checkpoint, training continues from its exact step: the same weights, optimizer state, random
/// streams and batch order, so the final weights are bitwise those of an uninterrupted run (same
/// seed and thread count). When Fit is cancelled, the checkpoint of the step it stopped after is
/// written (if the latest is not that one already) and kept, so the same Fit started again continues there.
/// </summary>
/// <remarks>
/// <para>One run at a time: Fit holds the folder's lock file <see cref="LockFileName"/> (opened with
/// <see cref="FileShare.None"/>; the OS releases it when the process ends, even when killed) from its
/// start to its end, and a second run into the same folder fails at once with a
/// <see cref="DeepSharpException"/> naming the folder.</para>
/// <para>Only the same run resumes: each checkpoint records the run's settings (what Fit knows — batch
/// size, samples, steps, shuffling, the architecture, the optimizer — and the caller's
/// <see cref="RunSettings"/>), and a run whose settings differ is refused with a
/// <see cref="DeepSharpException"/> that names each difference, rather than continuing another run's state.</para>
/// <para>A corrupt latest checkpoint falls back to the previous one, and is then moved aside as
/// <c>ckpt-latest.corrupt-yyyyMMdd-HHmmss.safetensors</c> (UTC; kept for inspection, never deleted), so
/// that the next save cannot rotate it over the good previous one. When both are unusable Fit throws.</para>
/// </remarks>
public sealed class BackupAndRestore : Callback
{
    /// <summary>File names inside the folder.</summary>
    public const string LatestFileName = "ckpt-latest.safetensors", PreviousFileName = "ckpt-previous.safetensors";

    /// <summary>The lock file inside the folder (empty but for the holder's process id; it stays when training ends).</summary>
    public const string LockFileName = "ckpt.lock";

    private readonly CheckpointFolder _folder;

    /// <param name="directory">Folder of the checkpoints (created if missing); use one folder per training run.</param>
    /// <param name="saveEveryNSteps">Also save every this many steps (0: at epoch ends only).</param>
    /// <param name="deleteCheckpoint">Delete the checkpoints when training ends normally (Keras's default).</param>
    /// <param name="runSettings">Settings of the run Fit cannot see (a seed, a data path, a preset), recorded in each checkpoint and compared on resume.</param>
    public BackupAndRestore(string directory, int saveEveryNSteps = 0, bool deleteCheckpoint = true, IReadOnlyDictionary<string, string>? runSettings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (saveEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(saveEveryNSteps), saveEveryNSteps, "saveEveryNSteps must not be negative.");
        (Directory, SaveEveryNSteps, DeleteCheckpoint) = (directory, saveEveryNSteps, deleteCheckpoint);
        _folder = new CheckpointFolder(directory, LatestFileName, PreviousFileName, LockFileName, nameof(BackupAndRestore), "training run");
        RunSettings = runSettings is null ? null : new SortedDictionary<string, string>(runSettings.ToDictionary(), StringComparer.Ordinal);
    }

    /// <summary>The checkpoint folder of this run (created when Fit starts).</summary>
    public string Directory { get; }
    /// <summary>Steps between mid-epoch saves, counted over the whole run; 0 when saving at epoch ends only.</summary>
    public int SaveEveryNSteps { get; }
    // Where the latest checkpoint of this run stands (epoch, step, total steps), to write none twice.
    private (int, int, long)? _latestAt;

    /// <summary>Whether both checkpoints are deleted when Fit ends normally (never after a cancellation).</summary>
    public bool DeleteCheckpoint { get; }

    /// <summary>
    /// Write nothing while training runs and restore nothing when it starts: only a cancelled Fit saves
    /// the checkpoint of its stop (creating the folder and taking its lock then), so that a run given no
    /// checkpoint folder can still be resumed — by a plain BackupAndRestore on this folder, the settings
    /// checked as usual. A finished run leaves no files.
    /// </summary>
    public bool SaveOnlyWhenCancelled { get; init; }

    /// <summary>The caller's settings recorded in each checkpoint and compared on resume (null: none).</summary>
    public IReadOnlyDictionary<string, string>? RunSettings { get; }

    /// <summary>The newest checkpoint, the one Fit resumes from.</summary>
    public string LatestPath => _folder.LatestPath;
    /// <summary>The checkpoint before the latest: the fallback when the latest cannot be read.</summary>
    public string PreviousPath => _folder.PreviousPath;
    /// <summary>The lock file a running Fit holds (see the remarks).</summary>
    public string LockPath => _folder.LockPath;

    /// <summary>The checkpoint the last Fit resumed from (null if it started afresh).</summary>
    public RestoredCheckpoint? Restored { get; private set; }

    /// <summary>Raised when Fit resumes from a checkpoint, before the first resumed step.</summary>
    public event Action<RestoredCheckpoint>? Resumed;

    /// <summary>Takes the folder's lock and, when it holds a checkpoint, restores it into the model and the running Fit.</summary>
    /// <exception cref="DeepSharpException">Another run holds the folder, or the checkpoint's recorded settings differ from this run's.</exception>
    /// <exception cref="DataFormatException">No checkpoint in the folder can be read and verified.</exception>
    public override void OnTrainBegin()
    {
        if (SaveOnlyWhenCancelled)
        {
            (Restored, _latestAt) = (null, null);
            return;
        }
        if (Writes) _folder.Lock();
        (Restored, _latestAt) = (null, null);

        // Only a file that cannot be read and verified falls back; a verified checkpoint that does not
        // fit this run (settings, weights) is refused as it is: the previous one would not fit either.
        if (_folder.Resume(Checkpoint.Load, Restore, Writes) is var (checkpoint, path, reason))
        {
            Restored = new RestoredCheckpoint(path, checkpoint.Epoch, checkpoint.Step, reason);
            Resumed?.Invoke(Restored);
        }
    }

    /// <summary>Checks the run's settings against the checkpoint's, then restores it into the model and the running Fit.</summary>
    private void Restore(Checkpoint checkpoint, string path)
    {
        CheckSettings(checkpoint, path);
        Trainer.RestoreCheckpoint(checkpoint, path);
        if (path == LatestPath) _latestAt = Position;
    }

    /// <summary>Refuses a checkpoint whose recorded settings differ from this run's, naming each difference.</summary>
    private void CheckSettings(Checkpoint checkpoint, string path)
    {
        var differences = new List<string>();
        CheckpointFolder.CompareSettings(checkpoint.FitSettings, CurrentFitSettings(), differences);
        CheckpointFolder.CompareSettings(checkpoint.RunSettings, RunSettings, differences);
        if (differences.Count > 0)
            throw new DeepSharpException(
                $"Checkpoint '{path}' belongs to a training run with other settings: {string.Join("; ", differences)}. " +
                $"Resume with the settings it was written with, or start afresh in another checkpoint folder (or delete '{Directory}').");
    }

    private SortedDictionary<string, string> CurrentFitSettings() => Trainer.FitSettings(Parameters?.Steps ?? 0);

    internal override void OnFitExit() => _folder.Unlock();

    /// <summary>Saves a checkpoint when the run's step count is a multiple of <see cref="SaveEveryNSteps"/>.</summary>
    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
    {
        if (!SaveOnlyWhenCancelled && SaveEveryNSteps > 0 && Trainer.Run is { } run && run.TotalSteps % SaveEveryNSteps == 0) Save();
    }

    /// <summary>Saves a checkpoint; the latest one so far becomes the previous.</summary>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!SaveOnlyWhenCancelled) Save();
    }

    /// <summary>
    /// On cancellation, saves the checkpoint of the last finished step (unless it is the latest already) and
    /// keeps it; otherwise deletes both checkpoints when <see cref="DeleteCheckpoint"/> is set.
    /// </summary>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (TrainingCancelled)
        {
            // Stopped at a step boundary: the checkpoint of that step is the one to resume from; keep it.
            // (Every rank of a data-parallel Fit comes here at the same step; Save gathers sharded state.)
            if (SaveOnlyWhenCancelled && Writes) _folder.Lock();
            if (_latestAt != Position) Save();
            return;
        }
        if (!Writes) return;
        if (!DeleteCheckpoint || SaveOnlyWhenCancelled) return;
        _folder.DeleteCheckpoints();
    }

    /// <summary>Writes the latest checkpoint, keeping the one before as the previous (each rename atomic).</summary>
    private void Save()
    {
        Trainer.PrepareCheckpoint(); // on every rank: a data-parallel Fit may gather state for rank 0
        if (!Writes)
        {
            _latestAt = Position;
            return;
        }
        var checkpoint = Trainer.CaptureCheckpoint();
        checkpoint.FitSettings = CurrentFitSettings();
        checkpoint.RunSettings = RunSettings is null ? null : new SortedDictionary<string, string>(RunSettings.ToDictionary(), StringComparer.Ordinal);
        var file = CheckpointFile.ToFile(checkpoint);
        _folder.Save(file.Save);
        _latestAt = Position;
    }

    /// <summary>
    /// Whether this process writes the folder: always, except on the ranks other than 0 of a
    /// data-parallel Fit, which hold the same state as rank 0 and only read the checkpoint to resume.
    /// </summary>
    private bool Writes => Model?.DistributeStrategy is not { IsChief: false };

    private Trainer Trainer => Model?.Trainer ?? throw new InvalidOperationException("BackupAndRestore works inside Fit only.");

    private (int, int, long)? Position => Trainer.Run is { } run ? (run.Epoch, run.Step, run.TotalSteps) : null;
}

/// <summary>A checkpoint Fit resumed from: its file, the epoch (zero-based) and the steps of it already done; <paramref name="FallbackReason"/> says why the latest was skipped, if it was.</summary>
public sealed record RestoredCheckpoint(string Path, int Epoch, int Step, string? FallbackReason);
