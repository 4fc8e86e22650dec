using DeepSharp.Data.Datasets;

namespace DeepSharp.Tests.Data;

public class IdxReaderTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string Write(string name, byte[] bytes)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    DataFormatException BadFile(string name, byte[] bytes, bool images = true)
    {
        string path = Write(name, bytes);
        var e = images
            ? Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path))
            : Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsValidImagesAndLabels(bool gzipped)
    {
        byte[] images = IdxFiles.Images(3, 4, 5), labels = IdxFiles.Labels(7, 0, 9);
        string imagesPath = Write("images", gzipped ? IdxFiles.Gzip(images) : images);
        string labelsPath = Write("labels", gzipped ? IdxFiles.Gzip(labels) : labels);

        var (read, readLabels) = IdxReader.ReadPair(imagesPath, labelsPath);

        Assert.Equal((3, 4, 5, 20), (read.Count, read.Rows, read.Cols, read.ImageSize));
        Assert.Equal(IdxFiles.Pattern(60), read.Pixels);
        Assert.Equal([7, 0, 9], readLabels);
    }

    [Fact]
    public void TruncatedFileNamesBothLengths()
    {
        var bytes = IdxFiles.Images(3, 4, 5);
        var e = BadFile("short-images", bytes[..^7]);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("3×4×5 = 60", e.Message);
        Assert.Contains("holds 53", e.Message);
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        var e = BadFile("long-labels", [.. IdxFiles.Labels(1, 2), 0, 0, 0], images: false);
        Assert.Contains("3 trailing bytes", e.Message);
        Assert.Contains("holds 5", e.Message);
    }

    [Fact]
    public void TrailingBytesInGzipAreRejected()
    {
        var e = BadFile("long-labels.gz", IdxFiles.Gzip([.. IdxFiles.Labels(1, 2), 9]), images: false);
        Assert.Contains("1 trailing bytes", e.Message);
    }

    [Fact]
    public void TruncatedGzipIsRejected()
    {
        var bytes = IdxFiles.Images(2, 3, 3);
        var e = BadFile("short.gz", IdxFiles.Gzip(bytes[..^1]));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("2×3×3 = 18", e.Message);
        Assert.Contains("holds 17", e.Message);
    }

    [Fact]
    public void WrongMagicIsNamed()
    {
        var e = BadFile("labels-as-images", IdxFiles.Labels(1, 2, 3));
        Assert.Contains("0x00000801, expected 0x00000803", e.Message);
    }

    [Fact]
    public void TooShortForMagic()
    {
        var e = BadFile("tiny", [0, 0]);
        Assert.Contains("2 bytes long", e.Message);
    }

    [Fact]
    public void TruncatedHeader()
    {
        var e = BadFile("header", IdxFiles.Images(1, 1, 1)[..10]);
        Assert.Contains("10 bytes, expected a 16-byte header", e.Message);
    }

    [Theory]
    [InlineData(0, "dimension 0 is 0")]
    [InlineData(-5, "dimension 0 is -5")]
    public void NonPositiveDimensionsAreRejected(int count, string problem)
    {
        var e = BadFile("dims", IdxFiles.Bytes(0x803, [count, 28, 28], []));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void AbsurdDimensionsAreRejectedBeforeAllocating()
    {
        var header = IdxFiles.Bytes(0x803, [int.MaxValue, 28, 28], new byte[84]);
        Assert.Equal(100, header.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = BadFile("absurd", header);

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated a large buffer");
        Assert.Contains("2147483647×28×28 = 1683627179248", e.Message);
        Assert.Contains("holds 84", e.Message);
    }

    [Fact]
    public void HugeProductDoesNotOverflow()
    {
        var e = BadFile("huge", IdxFiles.Bytes(0x803, [int.MaxValue, int.MaxValue, int.MaxValue], []));
        Assert.Contains("= 9903520300447984150353281023", e.Message);
    }

    [Fact]
    public void AbsurdDimensionsInGzipAreRejectedBeforeAllocating()
    {
        var e = BadFile("absurd.gz", IdxFiles.Gzip(IdxFiles.Bytes(0x803, [int.MaxValue, 28, 28], new byte[84])));
        Assert.Contains("more than the 1073741824 an idx file may hold", e.Message);
    }

    [Fact]
    public void CorruptGzip()
    {
        var gz = IdxFiles.Gzip(IdxFiles.Images(2, 8, 8));
        gz[12] ^= 0xff;
        gz[13] ^= 0xff;
        var e = BadFile("corrupt.gz", gz);
        Assert.Contains("corrupt.gz", e.Message);
    }

    [Fact]
    public void CountMismatchNamesBothFiles()
    {
        string images = Write("imgs", IdxFiles.Images(3, 2, 2));
        string labels = Write("lbls", IdxFiles.Labels(1, 2, 3, 4));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadPair(images, labels));

        Assert.Contains("holds 4 labels, expected 3", e.Message);
        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
    }

    [Fact]
    public void MissingFileIsUnavailable()
    {
        var e = Assert.Throws<DatasetUnavailableException>(() => IdxReader.ReadLabels(_temp.File("nope")));
        Assert.Contains("nope", e.Message);
    }
}
