using System.Text;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Plots;

public class TrainingCurvesTests
{
    private static TrainingCurves Parse(string json) => TrainingCurves.Parse(Encoding.UTF8.GetBytes(json), "history.json");

    [Fact]
    public void HistoryFileRoundTrips()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(new Dense(4, Activation.Relu, inputShape: [3]), new Dense(1));
        model.Compile(new DeepSharp.Optimizers.Sgd(0.01f), new DeepSharp.Losses.MeanSquaredError());
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i / 24f).ToArray(), 8, 3);
        var y = Tensor.FromArray(Enumerable.Range(0, 8).Select(i => i / 8f).ToArray(), 8, 1);
        var history = model.Fit(x, y, batchSize: 4, epochs: 3, verbose: 0, validationData: (x, y));
        var read = Parse(history.ToJson());
        Assert.Equal(history.Epochs, read.Epochs);
        Assert.Equal(history["loss"], read.Values["loss"]);
        Assert.Equal(history["val_loss"], read.Values["val_loss"]);
        Assert.Equal(["loss"], read.Metrics);
    }

    [Fact]
    public void NullIsNaNAndMetricsComeInOrder()
    {
        var curves = Parse("""{"epoch": [0, 1], "history": {"loss": [1, null], "val_loss": [2, 1], "val_auc": [0.5, 0.6], "learning_rate": [0.1, 0.1], "accuracy": [0.5, 0.7]}}""");
        Assert.True(double.IsNaN(curves.Values["loss"][1]));
        Assert.Equal(["loss", "val_auc", "accuracy", "learning_rate"], curves.Metrics);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1, 2]", "needs an object with \"epoch\" and \"history\"")]
    [InlineData("""{"epoch": [0], "history": []}""", "\"history\" must be an object")]
    [InlineData("""{"epoch": [0, -1], "history": {}}""", "\"epoch\"[1] must be a non-negative integer")]
    [InlineData("""{"epoch": [0, 1], "history": {"loss": [1]}}""", "\"loss\" has 1 values for 2 epochs")]
    [InlineData("""{"epoch": [0], "history": {"loss": ["x"]}}""", "\"loss\"[0] must be a number or null")]
    [InlineData("""{"epoch": [0], "history": {"loss": 3}}""", "\"loss\" must be an array")]
    public void BadContentIsAClearError(string json, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Parse(json));
        Assert.Contains("history.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void LoadNamesAMissingFile()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<FileAccessException>(() => TrainingCurves.Load(folder.File("history.json")));
        Assert.Contains(folder.File("history.json"), e.Message);
    }
}
