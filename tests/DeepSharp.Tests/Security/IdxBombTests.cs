using System.Diagnostics;
using System.IO.Compression;
using DeepSharp.Data.Datasets;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 5: gzipped idx files whose header promises far more than the compressed bytes can
/// honestly hold are refused before inflating, and inflating stops once the output exceeds the promise.
/// The bombs are built here from concatenated gzip members (GZipStream reads them as one stream).
/// </summary>
public class IdxBombTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>One gzip member holding <paramref name="megabytes"/> MB of zeros (about 1 KB per MB).</summary>
    private static byte[] ZerosMember(int megabytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            var zeros = new byte[1 << 20];
            for (int i = 0; i < megabytes; i++) gzip.Write(zeros);
        }
        return output.ToArray();
    }

    /// <summary>An idx3 header gzipped, then <paramref name="copies"/> copies of <paramref name="member"/>.</summary>
    private string Bomb(string name, int[] dims, byte[] member, int copies)
    {
        string path = _temp.File(name);
        using var file = File.Create(path);
        file.Write(IdxFiles.Gzip(IdxFiles.Bytes(IdxReader.ImagesMagic, dims, [])));
        for (int i = 0; i < copies; i++) file.Write(member);
        return path;
    }

    private (DataFormatException Error, double Milliseconds, long Allocated) Read(string path)
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        double ms = clock.Elapsed.TotalMilliseconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{Path.GetFileName(path)} ({new FileInfo(path).Length} bytes): rejected in {ms:F1} ms, {allocated / 1e6:F2} MB allocated: {e.Message}");
        Assert.Contains(path, e.Message);
        return (e, ms, allocated);
    }

    /// <summary>The file: about 2 MB of gzip whose header promises 2,739,137×28×28 bytes (it inflates to 2 GB of zeros).</summary>
    [Fact]
    public void BombPromisingTwoGigabytesIsRefusedBeforeInflating()
    {
        string path = Bomb("bomb-idx3-ubyte.gz", [2_739_137, 28, 28], ZerosMember(64), 32);
        var (e, ms, allocated) = Read(path);
        Assert.Contains("2739137×28×28 = 2147483408", e.Message);
        Assert.Contains($"more than the {IdxReader.MaxDataBytes}", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
        Assert.True(ms < 500, $"took {ms} ms");
    }

    /// <summary>Under the size limit but beyond the ratio: 1 MB of gzip promising 1,300,000×28×28 (1.02 GB).</summary>
    [Fact]
    public void BombBeyondTheRatioIsRefusedBeforeInflating()
    {
        string path = Bomb("ratio-idx3-ubyte.gz", [1_300_000, 28, 28], ZerosMember(64), 16);
        var (e, ms, allocated) = Read(path);
        Assert.Contains("1300000×28×28 = 1019200000", e.Message);
        Assert.Contains($"MaxGzipRatio = {IdxReader.MaxGzipRatio}:1", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
        Assert.True(ms < 500, $"took {ms} ms");
    }

    /// <summary>A modest promise (2×28×28) followed by 1 GB of zeros: inflating stops just past the promise.</summary>
    [Fact]
    public void InflatingStopsOncePastThePromise()
    {
        string path = Bomb("trailing-idx3-ubyte.gz", [2, 28, 28], ZerosMember(64), 16);
        var (e, ms, allocated) = Read(path);
        Assert.Contains("at least 65536 trailing bytes", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
        Assert.True(ms < 500, $"took {ms} ms");
    }

    /// <summary>A plain (not gzipped) file is held to the same size limit, whatever its length.</summary>
    [Fact]
    public void PlainFileOverTheLimitIsRefused()
    {
        string path = _temp.File("huge-idx3-ubyte");
        using (var file = File.Create(path))
        {
            file.Write(IdxFiles.Bytes(IdxReader.ImagesMagic, [1_400_000, 28, 28], []));
            file.SetLength(16 + 1_400_000L * 28 * 28); // sparse: no disk space used
        }
        var (e, _, allocated) = Read(path);
        Assert.Contains("1400000×28×28 = 1097600000", e.Message);
        Assert.Contains("IdxReader.MaxDataBytes", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    /// <summary>The MNIST loader goes through the same reader: the bomb as train-images in a --data-dir folder.</summary>
    [Fact]
    public void MnistLoaderRefusesTheBomb()
    {
        string folder = Directory.CreateDirectory(_temp.File("mnist")).FullName;
        File.Move(Bomb("bomb.gz", [2_739_137, 28, 28], ZerosMember(64), 32), Path.Combine(folder, MnistLocator.TrainImagesName + ".gz"));
        foreach (var name in new[] { MnistLocator.TrainLabelsName, MnistLocator.TestImagesName, MnistLocator.TestLabelsName })
            File.WriteAllBytes(Path.Combine(folder, name), name.Contains("labels") ? IdxFiles.Labels(1) : IdxFiles.Images(1, 28, 28));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<DataFormatException>(() => Mnist.LoadNormalized(folder));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 1 << 20);
        Assert.Contains(MnistLocator.TrainImagesName + ".gz", e.Message);
    }
}
