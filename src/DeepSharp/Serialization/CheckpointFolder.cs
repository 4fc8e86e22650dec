using System.Globalization;

namespace DeepSharp.Serialization;

/// <summary>
/// The folder of one run's checkpoints, as <see cref="Training.Callbacks.BackupAndRestore"/> (Fit) and
/// <see cref="Federated.FederatedBackup"/> (federated rounds) keep it: a latest and a previous file, rotated
/// on each save (the latest becomes the previous, then the new latest is written atomically); a lock file the
/// running process holds (the OS releases it when the process ends, even when killed), so a second run into
/// the folder fails at once; and on resuming, a latest that cannot be read falls back to the previous one and
/// is moved aside (never deleted, never rotated over the good previous). What a checkpoint holds, how it is read
/// and whether it fits the run are the owner's.
/// </summary>
internal sealed class CheckpointFolder
{
    private readonly string _latestName, _owner, _runKind;
    private FileStream? _lock;

    /// <param name="directory">The folder (created when locked).</param>
    /// <param name="latestName">The latest checkpoint's file name ("ckpt-latest.safetensors"); a moved-aside one is named after it.</param>
    /// <param name="previousName">The previous checkpoint's file name.</param>
    /// <param name="lockName">The lock file's name.</param>
    /// <param name="owner">Who keeps the folder, for messages ("BackupAndRestore").</param>
    /// <param name="runKind">What runs in it, for messages ("training run").</param>
    public CheckpointFolder(string directory, string latestName, string previousName, string lockName, string owner, string runKind)
    {
        (Directory, _latestName, _owner, _runKind) = (directory, latestName, owner, runKind);
        (LatestPath, PreviousPath, LockPath) = (Path.Combine(directory, latestName), Path.Combine(directory, previousName), Path.Combine(directory, lockName));
    }

    public string Directory { get; }
    public string LatestPath { get; }
    public string PreviousPath { get; }
    public string LockPath { get; }

    /// <summary>Creates the folder and takes its lock (once); a folder another process holds is refused.</summary>
    /// <exception cref="DeepSharpException">Another run holds the folder's lock.</exception>
    public void Lock()
    {
        if (_lock is not null) return;
        System.IO.Directory.CreateDirectory(Directory);
        try
        {
            _lock = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            throw new DeepSharpException(
                $"Checkpoint folder '{Directory}' is in use by another {_runKind} (it holds the lock file {Path.GetFileName(LockPath)}). " +
                "Wait for that run to end, or use another folder.", e);
        }
        _lock.SetLength(0);
        _lock.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        _lock.Flush();
    }

    /// <summary>Releases the lock (the file stays).</summary>
    public void Unlock()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>
    /// The checkpoint to resume from: the latest, or the previous when the latest cannot be read (a
    /// <see cref="DataFormatException"/> from <paramref name="load"/>); null when the folder holds none.
    /// <paramref name="accept"/> checks (and may restore) the one chosen and throws when it does not fit the run:
    /// that is not a reason to fall back, since the previous would not fit either. When the previous is used and
    /// <paramref name="writes"/>, the unusable latest is moved aside so the next save cannot rotate it over the previous.
    /// </summary>
    /// <exception cref="DataFormatException">Both checkpoints are unusable, or the latest is and there is no previous.</exception>
    public (T Checkpoint, string Path, string? FallbackReason)? Resume<T>(Func<string, T> load, Action<T, string> accept, bool writes) where T : class
    {
        DataFormatException? latestError = null;
        if (File.Exists(LatestPath))
        {
            T? latest = null;
            try
            {
                latest = load(LatestPath);
            }
            catch (DataFormatException e)
            {
                latestError = e;
            }
            if (latest is not null)
            {
                accept(latest, LatestPath);
                return (latest, LatestPath, null);
            }
        }
        if (File.Exists(PreviousPath))
        {
            T previous;
            try
            {
                previous = load(PreviousPath);
            }
            catch (DataFormatException e) when (latestError is not null)
            {
                throw new DataFormatException($"{_owner}: both checkpoints in '{Directory}' are unusable: {latestError.Message} {e.Message}", e);
            }
            accept(previous, PreviousPath);
            string? reason = latestError is null ? null : writes ? $"{latestError.Message} It was moved aside as {Quarantine()}." : latestError.Message;
            return (previous, PreviousPath, reason);
        }
        if (latestError is not null)
            throw new DataFormatException($"{_owner}: the latest checkpoint is unusable and there is no previous one: {latestError.Message}", latestError);
        return null;
    }

    /// <summary>Writes a new latest checkpoint by <paramref name="write"/> (atomically, to the path it is given), the latest so far becoming the previous.</summary>
    public void Save(Action<string> write)
    {
        if (File.Exists(LatestPath)) File.Move(LatestPath, PreviousPath, overwrite: true);
        write(LatestPath);
    }

    /// <summary>Deletes both checkpoints (after a run that ended normally).</summary>
    public void DeleteCheckpoints()
    {
        File.Delete(LatestPath);
        File.Delete(PreviousPath);
    }

    /// <summary>Adds to <paramref name="differences"/> each setting whose recorded and current values differ, by name; nothing when none were recorded.</summary>
    public static void CompareSettings(IReadOnlyDictionary<string, string>? saved, IReadOnlyDictionary<string, string>? now, List<string> differences)
    {
        if (saved is null) return;
        now ??= new Dictionary<string, string>();
        foreach (var key in saved.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            string? a = saved.GetValueOrDefault(key), b = now.GetValueOrDefault(key);
            if (a != b) differences.Add($"{key} {a ?? "(not set)"} in the checkpoint, {b ?? "(not set)"} in this run");
        }
    }

    /// <summary>Moves the unusable latest checkpoint aside (never over anything) and returns its new name: "LATEST.corrupt-yyyyMMdd-HHmmss[-n].safetensors" (UTC).</summary>
    private string Quarantine()
    {
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string stem = Path.GetFileNameWithoutExtension(_latestName), extension = Path.GetExtension(_latestName);
        for (int n = 1; ; n++)
        {
            string name = $"{stem}.corrupt-{stamp}{(n == 1 ? "" : "-" + n.ToString(CultureInfo.InvariantCulture))}{extension}";
            string target = Path.Combine(Directory, name);
            if (File.Exists(target)) continue;
            File.Move(LatestPath, target, overwrite: false);
            return name;
        }
    }

    /// <summary>The error of opening a file another process holds: EWOULDBLOCK from flock on Linux (11) and macOS (35), a sharing or lock violation on Windows.</summary>
    private static bool IsHeldElsewhere(IOException e) => e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
