using DeepSharp.Data;
using DeepSharp.Data.Images;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Docs;
using DeepSharp.Training;

namespace DeepSharp.Tests.Plots;

/// <summary>The C# examples of docs/plots.md, run as written, with what their comments say checked.</summary>
public sealed class PlotsDocTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ThePagesExamplesAreHere() => MarkdownExamples.AssertAllIn("plots.md", "Plots/PlotsDocTests.cs", expectedBlocks: 2);

    [Fact]
    public void TheExamplesRun()
    {
        string run = _temp.File("demo"), otherRun = Directory.CreateDirectory(_temp.File("b")).FullName;
        File.WriteAllText(Path.Combine(otherRun, "history.json"), """{"epoch": [0, 1], "history": {"loss": [1.2, 0.9], "val_loss": [1.3, 1.1]}}""");
        RandomGenerator.SetGlobalSeed(9);
        var random = new Random(9);
        var x = Tensor.FromArray(Enumerable.Range(0, 60 * 16).Select(_ => (float)random.NextDouble()).ToArray(), 60, 4, 4, 1);
        var y = DataUtils.ToCategorical(Tensor.FromArray(Enumerable.Range(0, 60).Select(i => (float)(i % 3)).ToArray(), 60), 3);
        var (xTest, yTest) = (x.SliceRows(0, 20), y.SliceRows(0, 20));
        var model = new Sequential(new Flatten(inputShape: [4, 4, 1]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);

        var history = model.Fit(x, y, batchSize: 32, epochs: 5, validationSplit: 0.2f,
            callbacks: [new PlotCallback(run)]);                // loss.png, accuracy.png, learning_rate.png after every epoch

        var curves = TrainingCurves.FromHistory(history);       // or TrainingCurves.Load(Path.Combine(run, "history.json"))
        CurvePlot.SaveAll(curves, run);                         // one PNG per metric, 800×500
        CurvePlot.Save(curves, "loss", Path.Combine(run, "loss-small.png"), width: 480, height: 320);
        var other = TrainingCurves.Load(Path.Combine(otherRun, "history.json"));
        CurvePlot.SaveComparison([new("first", curves), new("second", other)], Path.Combine(run, "compare"));

        foreach (var name in new[] { "loss", "accuracy", "learning_rate" }) PngAssert.Drawn(Path.Combine(run, name + ".png"), 800, 500);
        PngAssert.Drawn(Path.Combine(run, "loss-small.png"), 480, 320);
        PngAssert.Drawn(Path.Combine(run, "compare", "loss.png"), 800, 500);
        Assert.Equal(5, history["learning_rate"].Count);

        var probabilities = model.Predict(xTest);
        long[,] counts = ConfusionMatrix.FromPredictions(yTest, probabilities);   // DeepSharp.Metrics: counts[actual, predicted]
        string[] names = ["zero", "one", "two"];
        ConfusionMatrixPlot.Save(counts, names, Path.Combine(run, "confusion_matrix.png"));

        int[] predicted = ClassLabels.FromPredictions(probabilities), actual = ClassLabels.FromTargets(yTest);
        MisclassifiedGrid.Save(xTest, actual, predicted, names, Path.Combine(run, "misclassified.png"));

        WorstPredictions.Write([new TextPrediction("Subject: you won", "spam", "ham (0.08)", 0.92)],
            Path.Combine(run, "worst_predicted.md"), "E-mails the model was most wrong about", "p(wrong class)");

        Assert.Equal(20, counts.Cast<long>().Sum());
        for (int c = 0; c < 3; c++) Assert.Equal(actual.Zip(predicted).Count(p => p.First == c && p.Second == c), counts[c, c]);
        var picture = PngDecoder.Decode(Path.Combine(run, "confusion_matrix.png"));
        PngAssert.Drawn(Path.Combine(run, "confusion_matrix.png"), picture.Width, picture.Height);
        Assert.True(File.Exists(Path.Combine(run, "misclassified.png")));
        Assert.Contains("Subject: you won", File.ReadAllText(Path.Combine(run, "worst_predicted.md")));
    }
}
