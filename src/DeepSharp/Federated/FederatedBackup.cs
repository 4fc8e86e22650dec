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

    private FileStream? _lock;

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
    public string LatestPath => Path.Combine(Directory, LatestFileName);

    /// <summary>The checkpoint before the latest: the fallback when the latest cannot be read.</summary>
    public string PreviousPath => Path.Combine(Directory, PreviousFileName);

    /// <summary>The lock file a running Fit holds.</summary>
    public string LockPath => Path.Combine(Directory, LockFileName);

    /// <summary>The checkpoint the last Fit resumed from (null if it started afresh).</summary>
    public FederatedResume? Restored { get; private set; }

    /// <summary>Raised when Fit resumes from a checkpoint, before its next round.</summary>
    public event Action<FederatedResume>? Resumed;

    /// <summary>Takes the lock (when writing) and reads the checkpoint to resume from, checking its settings; null when there is none.</summary>
    internal FederatedCheckpoint? Begin(bool writes, SortedDictionary<string, string> settings)
    {
        Restored = null;
        if (writes)
        {
            System.IO.Directory.CreateDirectory(Directory);
            Lock();
        }
        foreach (var (k, v) in RunSettings ?? new SortedDictionary<string, string>()) settings["run." + k] = v;
        Settings = settings;
        DataFormatException? latestError = null;
        foreach (string path in new[] { LatestPath, PreviousPath })
        {
            if (!File.Exists(path)) continue;
            FederatedCheckpoint checkpoint;
            try
            {
                checkpoint = FederatedCheckpoint.Load(path);
            }
            catch (DataFormatException e) when (path == LatestPath)
            {
                latestError = e;
                continue;
            }
            catch (DataFormatException e) when (latestError is not null)
            {
                throw new DataFormatException($"FederatedBackup: both checkpoints in '{Directory}' are unusable: {latestError.Message} {e.Message}", e);
            }
            CheckSettings(checkpoint, settings, path);
            string? reason = latestError?.Message;
            // Resumed from the previous: the unusable latest goes aside, so that the next save cannot rotate it over the previous.
            if (latestError is not null && writes) reason += $" It was moved aside as {Quarantine()}.";
            Restored = new FederatedResume(path, checkpoint.Round, reason);
            Resumed?.Invoke(Restored);
            return checkpoint;
        }
        if (latestError is not null)
            throw new DataFormatException($"FederatedBackup: the latest checkpoint is unusable and there is no previous one: {latestError.Message}", latestError);
        return null;
    }

    /// <summary>The running Fit's settings (its own and <see cref="RunSettings"/>), recorded in each checkpoint.</summary>
    internal SortedDictionary<string, string>? Settings { get; private set; }

    /// <summary>Writes the latest checkpoint, keeping the one before as the previous.</summary>
    internal void Save(FederatedCheckpoint checkpoint)
    {
        if (File.Exists(LatestPath)) File.Move(LatestPath, PreviousPath, overwrite: true);
        checkpoint.Save(LatestPath);
    }

    /// <summary>After a normal end: deletes the checkpoints when <see cref="DeleteCheckpoint"/> is set.</summary>
    internal void Finish(bool writes)
    {
        if (!writes || !DeleteCheckpoint) return;
        File.Delete(LatestPath);
        File.Delete(PreviousPath);
    }

    /// <summary>Releases the folder's lock.</summary>
    internal void End()
    {
        _lock?.Dispose();
        _lock = null;
    }

    private void CheckSettings(FederatedCheckpoint checkpoint, SortedDictionary<string, string> now, string path)
    {
        var differences = new List<string>();
        foreach (var key in checkpoint.Settings.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            string? a = checkpoint.Settings.GetValueOrDefault(key), b = now.GetValueOrDefault(key);
            if (a != b) differences.Add($"{key} {a ?? "(not set)"} in the checkpoint, {b ?? "(not set)"} in this run");
        }
        if (differences.Count > 0)
            throw new DeepSharpException(
                $"Federated checkpoint '{path}' belongs to a run with other settings: {string.Join("; ", differences)}. " +
                $"Resume with the settings it was written with, or start afresh in another folder (or delete '{Directory}').");
    }

    private string Quarantine()
    {
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        for (int n = 1; ; n++)
        {
            string name = $"federated-latest.corrupt-{stamp}{(n == 1 ? "" : "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))}.safetensors";
            string target = Path.Combine(Directory, name);
            if (File.Exists(target)) continue;
            File.Move(LatestPath, target, overwrite: false);
            return name;
        }
    }

    private void Lock()
    {
        if (_lock is not null) return;
        try
        {
            _lock = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException e) when (e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021))
        {
            throw new DeepSharpException(
                $"Checkpoint folder '{Directory}' is in use by another federated run (it holds the lock file {LockFileName}). Wait for that run to end, or use another folder.", e);
        }
        _lock.SetLength(0);
        _lock.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        _lock.Flush();
    }
}

/// <summary>A checkpoint a federated Fit resumed from: its file, the rounds it had done, and why the latest was skipped, if it was.</summary>
/// <param name="Path">The checkpoint file.</param>
/// <param name="Round">Rounds done when it was written; the run continues with round Round + 1.</param>
/// <param name="FallbackReason">Why the latest checkpoint was unusable, when the previous one was used.</param>
public sealed record FederatedResume(string Path, int Round, string? FallbackReason);
