using System.Text;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;

namespace DeepSharp.Tests.Data;

/// <summary>Bundles, splits and the two text data sets (the real ones fetched with npm into the default cache).</summary>
public class TextDatasetTests
{
    private static readonly Dictionary<string, byte[]> Members = new()
    {
        ["spam-1/002.txt"] = Encoding.UTF8.GetBytes("Buy now"),
        ["easy-ham-1/001.txt"] = Encoding.UTF8.GetBytes("Meeting at 10, café"),
        ["spam-1/001.txt"] = [],
    };

    [Fact]
    public void ABundleReadsBackItsMembersInPathOrder()
    {
        var emails = SpamAssassin.FromBundle(BundleFormat.Write(Members), "test");
        Assert.Equal(["easy-ham-1/001", "spam-1/001", "spam-1/002"], emails.Select(e => e.Group + "/" + e.Id));
        Assert.Equal("Meeting at 10, café", emails[0].Text);
        Assert.Equal([false, true, true], emails.Select(e => e.IsSpam));
    }

    [Fact]
    public void ADamagedBundleIsRejectedWithItsSource()
    {
        var bytes = BundleFormat.Write(Members);
        Assert.Contains("bad.bundle", Assert.Throws<DataFormatException>(() => BundleFormat.Read(bytes.AsSpan(0, bytes.Length - 1), "bad.bundle")).Message);
        Assert.Contains("follow the last", Assert.Throws<DataFormatException>(() => BundleFormat.Read([.. bytes, 0], "x")).Message);
        Assert.Contains("magic", Assert.Throws<DataFormatException>(() => BundleFormat.Read("NOTABUNDLE00"u8, "x")).Message);
        var huge = (byte[])bytes.Clone();
        huge[12] = 0xff; huge[13] = 0xff; huge[14] = 0xff; huge[15] = 0x7f; // first path length
        Assert.Throws<DataFormatException>(() => BundleFormat.Read(huge, "x"));
    }

    [Fact]
    public void ABundleOfAFakePackageIsInstalledAndChecked()
    {
        using var folder = new TempFolder();
        var bundle = BundleFormat.Write(new Dictionary<string, byte[]> { ["a/1.txt"] = [1, 2], ["b/2.txt"] = [3] });
        var spec = new DatasetSpec("toy-bundle", "toy-data", "1.0.0", [],
            [new DatasetBundle("package/data/", ".txt", "all.bundle", 2, bundle.Length, FakePackage.Sha256(bundle))]);
        string tarball = FakePackage.Write(folder.File("toy.tgz"),
            ("package/data/a/1.txt", [1, 2]), ("package/data/b/2.txt", [3]), ("package/data/list.json", [9]));
        var fetcher = new PackageFetcher(folder.File("cache"));
        string installed = fetcher.InstallFromTarball(spec, tarball);
        Assert.Equal(bundle, File.ReadAllBytes(Path.Combine(installed, "all.bundle")));
        Assert.True(fetcher.IsCached(spec));

        string extra = FakePackage.Write(folder.File("extra.tgz"),
            ("package/data/a/1.txt", [1, 2]), ("package/data/b/2.txt", [4]));
        var other = new DatasetSpec("toy-bundle-2", "toy-data", "1.0.0", [], spec.Bundles);
        var error = Assert.Throws<DatasetUnavailableException>(() => fetcher.InstallFromTarball(other, extra));
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void SplitsAreDeterministicDisjointAndComplete()
    {
        var items = Enumerable.Range(0, 103).ToArray();
        var a = DataSplit.Shuffled(items, 0.1, 0.2, seed: 7);
        var b = DataSplit.Shuffled(items, 0.1, 0.2, seed: 7);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal((73, 10, 20), (a.Train.Count, a.Validation.Count, a.Test.Count));
        Assert.Equal(items, a.Train.Concat(a.Validation).Concat(a.Test).Order());
        Assert.NotEqual(a.Train, DataSplit.Shuffled(items, 0.1, 0.2, seed: 8).Train);
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Shuffled(items, 0.5, 0.5));
    }

    [Fact]
    public void NamesParsingRejectsLinesThatAreNotNames()
    {
        Assert.Equal(["Ann", "Bo"], FirstNames.Parse(["Ann", "", "  Bo "], "n.txt"));
        Assert.Contains("n.txt:2", Assert.Throws<DataFormatException>(() => FirstNames.Parse(["Ann", "A\u0001b"], "n.txt")).Message);
        Assert.Throws<DataFormatException>(() => FirstNames.Parse(["", " "], "n.txt"));
    }

    [Fact]
    public void TheRealDataSetsAreFetchedCheckedAndParsed()
    {
        var names = FirstNames.Load();
        Assert.Equal(4951, names.Count);
        Assert.Equal("Aaren", names[0]);

        var emails = SpamAssassin.Load();
        Assert.Equal(SpamAssassin.MessageCount, emails.Count);
        Assert.Equal(1896, emails.Count(e => e.IsSpam));
        Assert.Equal(["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"], emails.Select(e => e.Group).Distinct());
    }
}
