namespace DeepSharp.Bench.Native;

/// <summary>What <see cref="VersionNeedPatcher.MarkWeak"/> found and did.</summary>
internal sealed record PatchReport(string Path, string Version, int Entries, int Patched, IReadOnlyList<string> Changes)
{
    public bool Absent => Entries == 0;
    public bool AlreadyWeak => Entries > 0 && Patched == 0;
}

/// <summary>
/// Marks a symbol-version need weak in an ELF64 file: sets VER_FLG_WEAK (0x2) in vna_flags of
/// every .gnu.version_r Vernaux entry with the given name. The dynamic loader then reports a missing
/// weak version only as a warning under LD_DEBUG instead of refusing to load the file; symbols bound
/// to that version must still be resolvable (or unused) for the program to work.
/// </summary>
internal static class VersionNeedPatcher
{
    /// <summary>
    /// Patches <paramref name="path"/> in place, atomically (a temporary file in the same folder,
    /// flushed, then renamed over the original, so a hard link elsewhere keeps the original bytes).
    /// Idempotent: an entry already weak is left alone and nothing is written.
    /// </summary>
    public static PatchReport MarkWeak(string path, string version)
    {
        var image = ElfImage.Load(path);
        var matches = image.VersionNeeds().Where(n => n.Name == version).ToList();
        var changes = new List<string>();
        foreach (var need in matches)
        {
            if ((need.Flags & ElfImage.VerFlagWeak) != 0) continue;
            ushort flags = (ushort)(need.Flags | ElfImage.VerFlagWeak);
            image.WriteU16(need.FlagsOffset, flags);
            changes.Add($"{need.Name} from {need.File}: vna_flags 0x{need.Flags:x} -> 0x{flags:x} at file offset 0x{need.FlagsOffset:x}");
        }
        if (changes.Count == 0) return new PatchReport(path, version, matches.Count, 0, changes);

        WriteAtomically(path, image.Bytes);
        var check = ElfImage.Load(path).VersionNeeds().Where(n => n.Name == version).ToList();
        if (check.Count != matches.Count || check.Any(n => (n.Flags & ElfImage.VerFlagWeak) == 0))
            throw new InvalidDataException($"{path}: after patching, {version} is not marked weak in every entry.");
        return new PatchReport(path, version, matches.Count, changes.Count, changes);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
