using DeepSharp.Plots;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Plots;

public class CurvePlotTests
{
    /// <summary>matplotlib's first two tab10 colours: the training and validation lines of one run, or runs 1 and 2.</summary>
    private const string Blue = "#1F77B4", Orange = "#FF7F0E";

    internal static TrainingCurves Curves(int epochs, double scale = 1, bool learningRate = true)
    {
        var e = Enumerable.Range(0, epochs).ToArray();
        var values = new Dictionary<string, IReadOnlyList<double>>
        {
            ["loss"] = e.Select(i => scale * (0.1 + 1.0 / (i + 1))).ToArray(),
            ["accuracy"] = e.Select(i => 1 - 0.5 / (i + 1)).ToArray(),
            ["val_loss"] = e.Select(i => scale * (0.2 + 1.0 / (i + 1))).ToArray(),
            ["val_accuracy"] = e.Select(i => 0.95 - 0.5 / (i + 1)).ToArray(),
        };
        if (learningRate) values["learning_rate"] = e.Select(i => 1e-3 * Math.Pow(0.5, i)).ToArray();
        return new TrainingCurves(e, values);
    }

    [Fact]
    public void EveryMetricGetsAPictureWithTrainingAndValidation()
    {
        using var folder = new TempFolder();
        var written = CurvePlot.SaveAll(Curves(5), folder.Path);
        Assert.Equal(["loss.png", "accuracy.png", "learning_rate.png"], written.Select(Path.GetFileName));
        foreach (var path in written) PngAssert.Drawn(path, CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
        var loss = PngAssert.Drawn(folder.File("loss.png"), CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
        Assert.True(PngAssert.Count(loss, Blue) > 200, "the training line is missing");
        Assert.True(PngAssert.Count(loss, Orange) > 200, "the validation line is missing");
        var rate = PngAssert.Drawn(folder.File("learning_rate.png"), CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
        Assert.True(PngAssert.Count(rate, Orange) < 20, "the learning rate has no validation line");
    }

    [Fact]
    public void OneMetricAtTheSizeAsked()
    {
        using var folder = new TempFolder();
        CurvePlot.Save(Curves(3), "accuracy", folder.File("a.png"), 640, 360);
        PngAssert.Drawn(folder.File("a.png"), 640, 360);
        var e = Assert.Throws<ArgumentException>(() => CurvePlot.Save(Curves(3), "f1", folder.File("f.png")));
        Assert.Contains("val_accuracy", e.Message);
        Assert.Throws<ArgumentException>(() => CurvePlot.SaveAll(new TrainingCurves([], new Dictionary<string, IReadOnlyList<double>>()), folder.Path));
    }

    [Fact]
    public void AGapForNonFiniteValuesAndAFlatLineStillDraw()
    {
        using var folder = new TempFolder();
        var curves = new TrainingCurves([0, 1, 2, 3], new Dictionary<string, IReadOnlyList<double>>
        {
            ["loss"] = [1.0, double.NaN, 0.5, 0.4],
            ["learning_rate"] = [0.01, 0.01, 0.01, 0.01],
        });
        var written = CurvePlot.SaveAll(curves, folder.Path);
        foreach (var path in written) PngAssert.Drawn(path, CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
        // A constant rate is a visible line, not a point lost on a ±1 axis.
        Assert.True(PngAssert.Count(PngAssert.Drawn(written[1], CurvePlot.DefaultWidth, CurvePlot.DefaultHeight), Blue) > 300);
    }

    [Fact]
    public void TwoRunsOverlaidInTheirOwnColours()
    {
        using var folder = new TempFolder();
        var written = CurvePlot.SaveComparison([new("run-a", Curves(6)), new("run-b", Curves(4, scale: 1.5, learningRate: false))], folder.Path);
        Assert.Equal(["loss.png", "accuracy.png", "learning_rate.png"], written.Select(Path.GetFileName));
        var loss = PngAssert.Drawn(folder.File("loss.png"), CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
        Assert.True(PngAssert.Count(loss, Blue) > 200, "run-a is missing");
        Assert.True(PngAssert.Count(loss, Orange) > 200, "run-b is missing");
        var rate = PngAssert.Drawn(folder.File("learning_rate.png"), CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
        Assert.True(PngAssert.Count(rate, Orange) < 20, "run-b logged no learning rate");
        var twice = Assert.Throws<ArgumentException>(() => CurvePlot.SaveComparison([new("a", Curves(2)), new("a", Curves(2))], folder.Path));
        Assert.Contains("'a'", twice.Message);
    }
}
