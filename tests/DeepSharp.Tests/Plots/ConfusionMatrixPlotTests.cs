using DeepSharp.Metrics;
using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Plots;

public class ConfusionMatrixPlotTests
{
    [Fact]
    public void ClassLabelsReadEveryTargetForm()
    {
        var probabilities = Tensor.FromArray(new[] { 0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f }, 3, 2);
        Assert.Equal([0, 1, 0], ClassLabels.FromPredictions(probabilities));
        Assert.Equal([0, 1, 1], ClassLabels.FromTargets(Tensor.FromArray(new[] { 1f, 0f, 0f, 1f, 0f, 1f }, 3, 2)));
        Assert.Equal([0, 1, 1], ClassLabels.FromTargets(Tensor.FromArray(new[] { 0, 1, 1 }, 3)));
        Assert.Equal([1, 0, 1], ClassLabels.FromPredictions(Tensor.FromArray(new[] { 0.7f, 0.2f, 0.5f }, 3, 1)));
        Assert.Equal([1, 1, 0], ClassLabels.FromTargets(Tensor.FromArray(new[] { 1f, 1f, 0f }, 3, 1)));
        Assert.Throws<DataFormatException>(() => ClassLabels.FromTargets(Tensor.FromArray(new[] { 0.5f }, 1)));
        Assert.Throws<DataFormatException>(() => ClassLabels.FromTargets(Tensor.FromArray(new[] { -1 }, 1)));
        Assert.Throws<ShapeMismatchException>(() => ClassLabels.FromPredictions(Tensor.Zeros(2, 3, 4)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(30)]
    public void DrawsAHeatmapSizedByTheClasses(int classes)
    {
        using var folder = new TempFolder();
        var random = new Random(classes);
        var actual = Enumerable.Range(0, 400).Select(_ => random.Next(classes)).ToArray();
        var predicted = actual.Select(a => random.NextDouble() < 0.8 ? a : random.Next(classes)).ToArray();
        var names = Enumerable.Range(0, classes).Select(i => classes == 2 ? (i == 0 ? "ham" : "spam") : "class " + i).ToArray();
        var counts = ConfusionMatrix.FromLabels(actual, predicted, classes);
        ConfusionMatrixPlot.Save(counts, names, folder.File("cm.png"));
        var image = DeepSharp.Data.Images.PngDecoder.Decode(folder.File("cm.png"));
        Assert.True(image.Width >= 520 && image.Height >= 460 && image.Width <= 2000 && image.Height <= 2000, $"{image.Width}×{image.Height}");
        PngAssert.Drawn(folder.File("cm.png"), image.Width, image.Height);
        // The darkest blue (the fullest cells, on the diagonal) is there.
        Assert.True(PngAssert.Count(image, "#08306B", 30) > 300, "no dark cell");
        ConfusionMatrixPlot.Save(counts, null, folder.File("fixed.png"), 700, 650);
        PngAssert.Drawn(folder.File("fixed.png"), 700, 650);
    }

    [Fact]
    public void BadMatricesAreClearErrors()
    {
        using var folder = new TempFolder();
        Assert.Contains("square", Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Save(new long[2, 3], null, folder.File("x.png"))).Message);
        Assert.Contains("3 class names", Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Save(new long[2, 2], ["a", "b", "c"], folder.File("x.png"))).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Save(new long[,] { { 1, -1 }, { 0, 2 } }, null, folder.File("x.png"))).Message);
    }
}
