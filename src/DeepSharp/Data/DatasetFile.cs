namespace DeepSharp.Data;

/// <summary>
/// One file a data set keeps from its package: where it sits in the package tarball, the name it
/// gets in the cache folder, and its exact size and SHA-256 (lowercase hex).
/// </summary>
public sealed class DatasetFile
{
    /// <param name="pathInPackage">Path inside the tarball, e.g. <c>package/data/train-images-idx3-ubyte</c>.</param>
    /// <param name="fileName">Plain file name in the cache folder (no folders).</param>
    /// <param name="size">Exact size in bytes.</param>
    /// <param name="sha256">SHA-256 of the file as 64 hex digits.</param>
    public DatasetFile(string pathInPackage, string fileName, long size, string sha256)
    {
        if (string.IsNullOrWhiteSpace(pathInPackage) || pathInPackage.StartsWith('/') || pathInPackage.Split('/').Contains(".."))
            throw new ArgumentException($"'{pathInPackage}' is not a relative path inside a package.", nameof(pathInPackage));
        if (!IsPlainName(fileName))
            throw new ArgumentException($"'{fileName}' is not a plain file name.", nameof(fileName));
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
            throw new ArgumentException($"'{sha256}' is not a SHA-256 in hex.", nameof(sha256));

        PathInPackage = pathInPackage;
        FileName = fileName;
        Size = size;
        Sha256 = sha256.ToLowerInvariant();
    }

    /// <summary>Path inside the package tarball (forward slashes).</summary>
    public string PathInPackage { get; }

    /// <summary>File name in the cache folder.</summary>
    public string FileName { get; }

    /// <summary>Exact size in bytes.</summary>
    public long Size { get; }

    /// <summary>SHA-256 as 64 lowercase hex digits.</summary>
    public string Sha256 { get; }

    internal static bool IsPlainName(string name) =>
        !string.IsNullOrWhiteSpace(name) && name != "." && name != ".."
        && name.IndexOfAny(['/', '\\']) < 0 && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
