using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Plots;

public class PlotCallbackTests
{
    [Fact]
    public void RedrawsTheCurvesEachEpochAndLogsTheLearningRate()
    {
        using var folder = new TempFolder();
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new DeepSharp.Metrics.Accuracy()]);
        var random = new Random(5);
        var x = Tensor.FromArray(Enumerable.Range(0, 64 * 4).Select(_ => (float)random.NextDouble()).ToArray(), 64, 4);
        var y = DeepSharp.Data.DataUtils.ToCategorical(Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (float)(i % 3)).ToArray(), 64), 3);
        var plots = new PlotCallback(folder.Path);
        var seen = new List<DateTime>();
        var watch = new DeepSharp.Training.Callbacks.LambdaCallback { EpochEnd = (_, _) => seen.Add(File.GetLastWriteTimeUtc(folder.File("loss.png"))) };
        var history = model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0, validationSplit: 0.25f, callbacks: [plots, watch]);

        Assert.Equal(2, seen.Count); // loss.png existed at the end of the first epoch already
        Assert.Equal(2, history["learning_rate"].Count);
        Assert.Equal(["loss.png", "accuracy.png", "learning_rate.png"], plots.Written.Select(Path.GetFileName));
        foreach (var path in plots.Written) PngAssert.Drawn(path, CurvePlot.DefaultWidth, CurvePlot.DefaultHeight);
    }
}
