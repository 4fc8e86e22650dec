using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Plots;

public class MisclassifiedGridTests
{
    private static Tensor Images(int n, int channels)
    {
        var random = new Random(n);
        return Tensor.FromArray(Enumerable.Range(0, n * 28 * 28 * channels).Select(_ => (float)random.NextDouble()).ToArray(), n, 28, 28, channels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void DrawsTheWrongOnesWithTheirLabels(int channels)
    {
        using var folder = new TempFolder();
        int[] actual = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        int[] predicted = [0, 7, 2, 5, 4, 5, 0, 7, 3, 9]; // 1, 3, 6, 8 are wrong
        int drawn = MisclassifiedGrid.Save(Images(10, channels), actual, predicted, ClassLabels.Names(10), folder.File("wrong.png"));
        Assert.Equal(4, drawn);
        var image = PngAssert.Drawn(folder.File("wrong.png"), 4 * MisclassifiedGrid.CellWidth + 20, MisclassifiedGrid.CellHeight + 70);
        Assert.True(PngAssert.Count(image, "#8B0000", 40) > 50, "the predicted labels (dark red) are missing");

        Assert.Equal(2, MisclassifiedGrid.Save(Images(10, channels), actual, predicted, ClassLabels.Names(10), folder.File("two.png"), maxImages: 2));
        Assert.Equal(0, MisclassifiedGrid.Save(Images(10, channels), actual, actual, ClassLabels.Names(10), folder.File("none.png")));
        Assert.True(File.Exists(folder.File("none.png")));
    }

    [Fact]
    public void WrongShapesAreClearErrors()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<ShapeMismatchException>(() => MisclassifiedGrid.Save(Tensor.Zeros(2, 28, 28), [0, 1], [1, 0], ["a", "b"], folder.File("x.png")));
        Assert.Contains("(N, height, width, 1 or 3)", e.Message);
        Assert.Throws<ShapeMismatchException>(() => MisclassifiedGrid.Save(Tensor.Zeros(2, 4, 4, 1), [0], [1, 0], ["a", "b"], folder.File("x.png")));
        Assert.Throws<ArgumentException>(() => MisclassifiedGrid.Save(Tensor.Zeros(2, 4, 4, 1), [0, 2], [1, 0], ["a", "b"], folder.File("x.png")));
    }
}
