using DeepSharp.Data.Datasets;

namespace DeepSharp.Tests.Data;

public class MnistFilesTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DataDirLackingFilesListsThem()
    {
        File.WriteAllBytes(_temp.File("train-images-idx3-ubyte.gz"), [0]);
        File.WriteAllBytes(_temp.File("t10k-labels-idx1-ubyte"), [0]);

        var e = Assert.Throws<DatasetUnavailableException>(() => MnistLocator.Locate(_temp.Path));

        Assert.Contains(_temp.Path, e.Message);
        Assert.Contains("lacks train-labels-idx1-ubyte, t10k-images-idx3-ubyte (", e.Message);
        Assert.Contains("--data-dir", e.Message);
    }

    [Fact]
    public void DataDirThatDoesNotExist()
    {
        var e = Assert.Throws<DatasetUnavailableException>(() => MnistLocator.Locate(_temp.File("absent")));
        Assert.Contains("absent (--data-dir) does not exist", e.Message);
    }

    [Fact]
    public void LoadsSmallFilesFromDataDirPlainGzippedOrDotted()
    {
        File.WriteAllBytes(_temp.File("train-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(3, 2, 2)));
        File.WriteAllBytes(_temp.File("train-labels.idx1-ubyte"), IdxFiles.Labels(5, 0, 4));
        File.WriteAllBytes(_temp.File("t10k-images-idx3-ubyte"), IdxFiles.Images(2, 2, 2));
        File.WriteAllBytes(_temp.File("t10k-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Labels(9, 1)));

        var data = Mnist.LoadNormalized(_temp.Path);

        Assert.Equal((3, 2, 2, 2), (data.TrainCount, data.TestCount, data.Rows, data.Cols));
        Assert.Equal([5, 0, 4], data.TrainLabels);
        Assert.Equal([9, 1], data.TestLabels);
        Assert.Equal(12, data.TrainImages.Length);
        Assert.Equal(3f / 255f, data.TrainImages[3]);
    }

    [Fact]
    public void LabelOutOfRangeIsNamed()
    {
        File.WriteAllBytes(_temp.File("train-images-idx3-ubyte"), IdxFiles.Images(2, 1, 1));
        File.WriteAllBytes(_temp.File("train-labels-idx1-ubyte"), IdxFiles.Labels(1, 12));
        File.WriteAllBytes(_temp.File("t10k-images-idx3-ubyte"), IdxFiles.Images(1, 1, 1));
        File.WriteAllBytes(_temp.File("t10k-labels-idx1-ubyte"), IdxFiles.Labels(0));

        var e = Assert.Throws<DataFormatException>(() => Mnist.LoadBytes(_temp.Path));

        Assert.Contains(_temp.File("train-labels-idx1-ubyte"), e.Message);
        Assert.Contains("label 1 is 12, expected 0..9", e.Message);
    }

    [Fact]
    public void TestImagesOfAnotherSizeAreRejected()
    {
        File.WriteAllBytes(_temp.File("train-images-idx3-ubyte"), IdxFiles.Images(1, 2, 2));
        File.WriteAllBytes(_temp.File("train-labels-idx1-ubyte"), IdxFiles.Labels(1));
        File.WriteAllBytes(_temp.File("t10k-images-idx3-ubyte"), IdxFiles.Images(1, 3, 3));
        File.WriteAllBytes(_temp.File("t10k-labels-idx1-ubyte"), IdxFiles.Labels(0));

        var e = Assert.Throws<DataFormatException>(() => Mnist.LoadBytes(_temp.Path));

        Assert.Contains("images are 3×3, expected 2×2", e.Message);
    }
}
