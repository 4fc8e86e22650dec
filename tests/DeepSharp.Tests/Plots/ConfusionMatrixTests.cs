using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Plots;

public class ConfusionMatrixTests
{
    [Fact]
    public void CountsTrueClassByPredictedClass()
    {
        var m = ConfusionMatrix.FromLabels([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], ["cat", "dog", "eel"]);
        Assert.Equal(1, m[0, 0]);
        Assert.Equal(1, m[0, 1]);
        Assert.Equal(1, m[2, 0]);
        Assert.Equal(2, m[2, 2]);
        Assert.Equal(6, m.Total);
        Assert.Equal(4.0 / 6, m.Accuracy, 12);
        var e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.FromLabels([0, 3], [0, 0], ["a", "b"]));
        Assert.Contains("Sample 1", e.Message);
    }

    [Fact]
    public void FromTensorsInEveryTargetForm()
    {
        var probabilities = Tensor.FromArray(new[] { 0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f }, 3, 2);
        var oneHot = Tensor.FromArray(new[] { 1f, 0f, 0f, 1f, 0f, 1f }, 3, 2);
        var sparse = Tensor.FromArray(new[] { 0, 1, 1 }, 3);
        foreach (var targets in new[] { oneHot, sparse })
        {
            var m = ConfusionMatrix.FromPredictions(probabilities, targets);
            Assert.Equal((1L, 1L, 1L, 0L), (m[0, 0], m[1, 1], m[1, 0], m[0, 1]));
        }
        var sigmoid = Tensor.FromArray(new[] { 0.7f, 0.2f, 0.5f }, 3, 1);
        var binary = ConfusionMatrix.FromPredictions(sigmoid, Tensor.FromArray(new[] { 1f, 1f, 0f }, 3, 1), ["ham", "spam"]);
        Assert.Equal((1L, 1L, 1L, 0L), (binary[1, 1], binary[1, 0], binary[0, 1], binary[0, 0]));
        Assert.Throws<DataFormatException>(() => ClassLabels.FromTargets(Tensor.FromArray(new[] { 0.5f }, 1)));
        Assert.Throws<ShapeMismatchException>(() => ConfusionMatrix.FromPredictions(probabilities, Tensor.FromArray(new[] { 0, 1 }, 2)));
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
        ConfusionMatrix.FromLabels(actual, predicted, names).Save(folder.File("cm.png"));
        var image = DeepSharp.Data.Images.PngDecoder.Decode(folder.File("cm.png"));
        Assert.True(image.Width >= 520 && image.Height >= 460 && image.Width <= 2000 && image.Height <= 2000, $"{image.Width}×{image.Height}");
        PngAssert.Drawn(folder.File("cm.png"), image.Width, image.Height);
        // The darkest blue of the diagonal cells is there.
        Assert.True(PngAssert.Count(image, "#08306B", 30) > 400, "no dark cell");
        ConfusionMatrix.FromLabels(actual, predicted, names).Save(folder.File("fixed.png"), 700, 650);
        PngAssert.Drawn(folder.File("fixed.png"), 700, 650);
    }
}
