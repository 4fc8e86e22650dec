namespace DeepSharp.Data;

/// <summary>
/// Checks a data-set folder against its <see cref="DatasetSpec"/>: every file present with its exact
/// size, and its SHA-256 right. Hashes are checked once; a marker file (written atomically) records
/// the verified sizes and hashes so that later checks only compare sizes.
/// </summary>
internal static class CachedFiles
{
    public const string MarkerName = ".verified";

    /// <summary>Null when <paramref name="folder"/> holds the data set; otherwise the problem, in words.</summary>
    public static string? Check(string folder, DatasetSpec spec)
    {
        if (!Directory.Exists(folder)) return $"{folder} does not exist";
        foreach (var file in spec.CacheFiles)
        {
            var info = new FileInfo(Path.Combine(folder, file.FileName));
            if (!info.Exists) return $"{info.FullName} is missing";
            if (info.Length != file.Size) return $"{info.FullName} is {info.Length} bytes, expected {file.Size}";
        }
        if (MarkerMatches(folder, spec)) return null;

        foreach (var file in spec.CacheFiles)
        {
            string path = Path.Combine(folder, file.FileName);
            string actual = FileHash.Sha256Hex(path);
            if (actual != file.Sha256) return $"{path} has SHA-256 {actual}, expected {file.Sha256}";
        }
        TryWriteMarker(folder, spec);
        return null;
    }

    /// <summary>Records that <paramref name="folder"/>'s files were verified (skipped quietly if the folder is read-only).</summary>
    public static void TryWriteMarker(string folder, DatasetSpec spec)
    {
        try
        {
            AtomicFile.WriteAllText(Path.Combine(folder, MarkerName), MarkerText(spec));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache stays usable; the files are simply hashed again next time.
        }
    }

    static bool MarkerMatches(string folder, DatasetSpec spec)
    {
        string marker = Path.Combine(folder, MarkerName);
        try
        {
            return File.Exists(marker) && File.ReadAllText(marker) == MarkerText(spec);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    static string MarkerText(DatasetSpec spec)
    {
        var text = new System.Text.StringBuilder();
        text.Append(spec.PackageSpec).Append('\n');
        foreach (var file in spec.CacheFiles)
            text.Append(file.Sha256).Append(' ').Append(file.Size).Append(' ').Append(file.FileName).Append('\n');
        return text.ToString();
    }
}
