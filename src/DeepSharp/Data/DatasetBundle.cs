namespace DeepSharp.Data;

/// <summary>
/// Many small files a data set keeps from its package (e.g. one e-mail per file), packed into one
/// cache file in <see cref="BundleFormat"/>: every regular file under <see cref="FolderInPackage"/>
/// whose name ends with <see cref="Extension"/>, in ordinal order of their paths. The bundle is
/// deterministic, so its exact size and SHA-256 are declared like a single file's.
/// </summary>
public sealed class DatasetBundle
{
    /// <param name="folderInPackage">Folder inside the tarball, e.g. <c>package/data/</c> (trailing slash).</param>
    /// <param name="extension">File name ending to keep, e.g. <c>.txt</c>.</param>
    /// <param name="fileName">Plain name of the bundle in the cache folder.</param>
    /// <param name="count">Exact number of files packed.</param>
    /// <param name="size">Exact size of the bundle in bytes.</param>
    /// <param name="sha256">SHA-256 of the bundle as 64 hex digits.</param>
    /// <exception cref="ArgumentException">The folder is not relative, lacks the trailing '/' or climbs with '..'; the extension is blank; the file name is not a plain name; or the SHA-256 is not 64 hex digits.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive, or <paramref name="size"/> is negative.</exception>
    public DatasetBundle(string folderInPackage, string extension, string fileName, int count, long size, string sha256)
    {
        if (string.IsNullOrWhiteSpace(folderInPackage) || !folderInPackage.EndsWith('/') || folderInPackage.StartsWith('/')
            || folderInPackage.Split('/').Contains(".."))
            throw new ArgumentException($"'{folderInPackage}' is not a relative folder inside a package ending in '/'.", nameof(folderInPackage));
        ArgumentException.ThrowIfNullOrWhiteSpace(extension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        File = new DatasetFile(folderInPackage + "*" + extension, fileName, size, sha256);
        (FolderInPackage, Extension, Count) = (folderInPackage, extension, count);
    }

    /// <summary>The tarball folder whose files are packed, relative and ending in '/' (e.g. <c>package/data/</c>).</summary>
    public string FolderInPackage { get; }
    /// <summary>Only files whose names end with this are packed (ordinal, case-sensitive).</summary>
    public string Extension { get; }
    /// <summary>The exact number of files the bundle must hold.</summary>
    public int Count { get; }

    /// <summary>The bundle as a cache file (name, size, SHA-256).</summary>
    public DatasetFile File { get; }

    /// <summary>The path of a tarball entry relative to the folder, when the bundle keeps it; else null.</summary>
    internal string? Member(string entryName) =>
        entryName.StartsWith(FolderInPackage, StringComparison.Ordinal) && entryName.EndsWith(Extension, StringComparison.Ordinal)
            ? entryName[FolderInPackage.Length..] : null;
}
