using DeepSharp.Serialization;

namespace DeepSharp.Federated;

/// <summary>
/// Checkpoints of a federated run, as <see cref="Training.Callbacks.BackupAndRestore"/> is for Fit:
/// <see cref="FederatedAveraging.Fit"/> given one saves the run's state (global weights, server
/// optimizer state, rounds done and their figures) into <see cref="Directory"/> after every
/// <see cref="SaveEveryNRounds"/> rounds and after its last, each file written atomically and the one
/// before kept. When Fit starts and the folder holds a checkpoint, it continues from that round, so a
/// run killed (even with SIGKILL) and started again with the same settings reaches bitwise the same
/// global weights and returns the same accuracy curve as an uninterrupted run.
/// <code>
/// var backup = new FederatedBackup("runs/fedavg-ckpt", saveEveryNRounds: 1);
/// var rounds = fed.Fit(rounds: 200, validationData: (xTest, yTest), targetAccuracy: 0.99, backup: backup);
/// </code>
/// </summary>
/// <remarks>
/// <para>One run at a time: Fit holds the folder's lock file <see cref="LockFileName"/> (the OS releases it
/// when the process ends, even when killed); a second run into the same folder fails at once.</para>
/// <para>Only the same run resumes: each checkpoint records the run's settings (C, E, B, η, μ, the server
/// optimizer and its settings, the seed, the clients' partition, the data's and the validation data's shapes,
/// the architecture, and the caller's <see cref="RunSettings"/>); a run whose settings differ is refused with
/// a <see cref="DeepSharpException"/> naming each difference. The number of rounds may differ (a finished
/// run can be extended). Under MPI every rank reads the checkpoint and rank 0 alone writes it.</para>
/// <para>A latest checkpoint that cannot be read falls back to the previous one.</para>
/// </remarks>
public sealed class FederatedBackup
{
    /// <summary>File names inside the folder.</summary>
    public const string LatestFileName = "federated-latest.safetensors", PreviousFileName = "federated-previous.safetensors";

    /// <summary>The lock file inside the folder (it stays when the run ends).</summary>
    public const string LockFileName = "federated.lock";

    private readonly CheckpointFolder _folder;

    /// <param name="directory">Folder of the checkpoints (created if missing); one folder per run.</param>
    /// <param name="saveEveryNRounds">Save after every this many rounds of the Fit (and always after its last).</param>
    /// <param name="deleteCheckpoint">Delete the checkpoints when Fit ends normally (not when it is cancelled).</param>
    /// <param name="runSettings">Settings of the run Fit cannot see (a data path, a preset), recorded and compared on resume.</param>
    /// <exception cref="ArgumentOutOfRangeException">saveEveryNRounds is not positive.</exception>
    public FederatedBackup(string directory, int saveEveryNRounds = 1, bool deleteCheckpoint = true, IReadOnlyDictionary<string, string>? runSettings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(saveEveryNRounds);
        (Directory, SaveEveryNRounds, DeleteCheckpoint) = (directory, saveEveryNRounds, deleteCheckpoint);
        _folder = new CheckpointFolder(directory, LatestFileName, PreviousFileName, LockFileName, nameof(FederatedBackup), "federated run");
        RunSettings = runSettings is null ? null : new SortedDictionary<string, string>(runSettings.ToDictionary(), StringComparer.Ordinal);
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>Rounds between saves.</summary>
    public int SaveEveryNRounds { get; }

    /// <summary>Whether both checkpoints are deleted when Fit ends normally.</summary>
    public bool DeleteCheckpoint { get; }

    /// <summary>The caller's settings recorded in each checkpoint and compared on resume (null: none).</summary>
    public IReadOnlyDictionary<string, string>? RunSettings { get; }

    /// <summary>The newest checkpoint, the one Fit resumes from.</summary>
    public string LatestPath => _folder.LatestPath;

    /// <summary>The checkpoint before the latest: the fallback when the latest cannot be read.</summary>
    public string PreviousPath => _folder.PreviousPath;

    /// <summary>The lock file a running Fit holds.</summary>
    public string LockPath => _folder.LockPath;

    /// <summary>The checkpoint the last Fit resumed from (null if it started afresh).</summary>
    public FederatedResume? Restored { get; private set; }

    /// <summary>Raised when Fit resumes from a checkpoint, before its next round.</summary>
    public event Action<FederatedResume>? Resumed;

    /// <summary>Takes the lock (when writing) and reads the checkpoint to resume from, checking its settings; null when there is none.</summary>
    internal FederatedCheckpoint? Begin(bool writes, SortedDictionary<string, string> settings)
    {
        Restored = null;
        if (writes) _folder.Lock();
        foreach (var (k, v) in RunSettings ?? new SortedDictionary<string, string>()) settings["run." + k] = v;
        Settings = settings;
        if (_folder.Resume(FederatedCheckpoint.Load, (checkpoint, path) => CheckSettings(checkpoint, settings, path), writes) is not var (resumed, from, reason))
            return null;
        Restored = new FederatedResume(from, resumed.Round, reason);
        Resumed?.Invoke(Restored);
        return resumed;
    }

    /// <summary>The running Fit's settings (its own and <see cref="RunSettings"/>), recorded in each checkpoint.</summary>
    internal SortedDictionary<string, string>? Settings { get; private set; }

    /// <summary>Writes the latest checkpoint, keeping the one before as the previous.</summary>
    internal void Save(FederatedCheckpoint checkpoint) => _folder.Save(checkpoint.Save);

    /// <summary>After a normal end: deletes the checkpoints when <see cref="DeleteCheckpoint"/> is set.</summary>
    internal void Finish(bool writes)
    {
        if (!writes || !DeleteCheckpoint) return;
        _folder.DeleteCheckpoints();
    }

    /// <summary>Releases the folder's lock.</summary>
    internal void End() => _folder.Unlock();

    private void CheckSettings(FederatedCheckpoint checkpoint, SortedDictionary<string, string> now, string path)
    {
        var differences = new List<string>();
        CheckpointFolder.CompareSettings(checkpoint.Settings, now, differences);
        if (differences.Count > 0)
            throw new DeepSharpException(
                $"Federated checkpoint '{path}' belongs to a run with other settings: {string.Join("; ", differences)}. " +
                $"Resume with the settings it was written with, or start afresh in another folder (or delete '{Directory}').");
    }
}

/// <summary>A checkpoint a federated Fit resumed from: its file, the rounds it had done, and why the latest was skipped, if it was.</summary>
/// <param name="Path">The checkpoint file.</param>
/// <param name="Round">Rounds done when it was written; the run continues with round Round + 1.</param>
/// <param name="FallbackReason">Why the latest checkpoint was unusable, when the previous one was used.</param>
public sealed record FederatedResume(string Path, int Round, string? FallbackReason);
