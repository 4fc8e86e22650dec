using System.Runtime.InteropServices;

namespace DeepSharp.Bench.Native;

/// <summary>
/// TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol,
/// _ZSt21ios_base_library_initv, which it references without using. Debian 12's libstdc++ stops at
/// GLIBCXX_3.4.30, so the loader refuses the file. Marking that need weak in the copy under the
/// bench's own output folder lets it load; the package cache is never touched.
/// </summary>
internal static class LibTorchSharpFix
{
    public const string NeededVersion = "GLIBCXX_3.4.32";
    private const string FileName = "libLibTorchSharp.so";

    /// <summary>Patches the output folder's copy if, and only if, this machine needs it. Returns what it did, in words.</summary>
    public static string EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "libtorch fix: not Linux x64, nothing to do.";
        string baseDir = Path.GetFullPath(AppContext.BaseDirectory);
        var copies = Directory.EnumerateFiles(baseDir, FileName, SearchOption.AllDirectories).ToList();
        if (copies.Count == 0) return $"libtorch fix: no {FileName} under {baseDir} (is the TorchSharp-cpu package restored?).";

        var (stdcxx, defined) = LoadedLibStdCxxVersions();
        if (defined is not null && defined.Contains(NeededVersion))
            return $"libtorch fix: not needed, {stdcxx} defines {NeededVersion}.";
        string why = defined is null
            ? $"libstdc++ is not mapped in this process, so assuming it lacks {NeededVersion}"
            : $"{stdcxx} lacks {NeededVersion} (newest GLIBCXX: {Newest(defined)})";

        var lines = new List<string>();
        foreach (var copy in copies)
        {
            string full = Path.GetFullPath(copy);
            if (!full.StartsWith(baseDir, StringComparison.Ordinal))
                throw new InvalidOperationException($"Refusing to patch {full}: it is outside the bench's output folder {baseDir}.");
            var report = VersionNeedPatcher.MarkWeak(full, NeededVersion);
            string rel = Path.GetRelativePath(baseDir, full);
            if (report.Absent) lines.Add($"libtorch fix: {rel} does not need {NeededVersion}; left alone.");
            else if (report.AlreadyWeak) lines.Add($"libtorch fix: {rel}: {NeededVersion} already marked weak ({why}); nothing to do.");
            else lines.Add($"libtorch fix: {why}; patched {rel}: {string.Join("; ", report.Changes)}.");
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The libstdc++ this process has mapped (the .NET runtime links it) and the versions it defines.</summary>
    private static (string? Path, HashSet<string>? Versions) LoadedLibStdCxxVersions()
    {
        string? path = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.AsSpan(slash).Contains("/libstdc++.so", StringComparison.Ordinal))
                {
                    path = line[slash..].Trim();
                    break;
                }
            }
        }
        catch (IOException) { }
        if (path is null || !File.Exists(path)) return (null, null);
        return (path, ElfImage.Load(path).VersionDefinitions().ToHashSet());
    }

    private static string Newest(HashSet<string> versions) =>
        versions.Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal))
            .OrderBy(v => System.Version.TryParse(v["GLIBCXX_".Length..], out var parsed) ? parsed : new System.Version())
            .LastOrDefault() ?? "none";
}
