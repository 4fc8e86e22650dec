using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The example of docs/training.md's section on <see cref="History"/>, run as written (the same code:
/// <see cref="TheSectionsExampleIsHere"/>), with what its comments say checked.
/// </summary>
public sealed class TrainingDocTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheSectionsExampleIsHere() =>
        MarkdownExamples.AssertAllIn("training.md", "Docs/TrainingDocTests.cs", expectedBlocks: 1, section: "## Reading the history: `History`");

    [Fact]
    public void ReadingTheHistory()
    {
        string folder = _temp.Path;
        RandomGenerator.SetGlobalSeed(3);
        var x = Tensor.RandomNormal(new Shape(64, 4));
        var y = Tensor.FromArray(x.ToArray().Chunk(4).Select(r => r[0] > 0 ? 1 : 0).ToArray(), 64);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), [new Accuracy()]);

        var printer = new LambdaCallback { EpochEnd = (epoch, logs) => Console.WriteLine($"epoch {epoch + 1}: loss {logs["loss"]:F4}") };
        History history = model.Fit(x, y, epochs: 6, validationSplit: 0.25f, verbose: 0, callbacks: [printer]);
        // history.Epochs: [0, 1, 2, 3, 4, 5]; history.Values' keys: loss, accuracy, val_loss, val_accuracy
        IReadOnlyList<double> valLoss = history["val_loss"];   // one value per epoch: Keras's history.history["val_loss"]
        int best = Enumerable.Range(0, valLoss.Count).MinBy(i => valLoss[i]);   // the epoch of the lowest validation loss
        Console.WriteLine($"best: epoch {history.Epochs[best] + 1}, val_loss {valLoss[best]:F4}, val_accuracy {history["val_accuracy"][best]:F4}");
        foreach (var (name, values) in history.Values)
            Console.WriteLine($"{name}: {string.Join(", ", values.Select(v => v.ToString("F4")))}");
        history.Save(Path.Combine(folder, "history.json"));    // {"epoch": [0, 1, ...], "history": {"loss": [...], ...}}, atomically
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "history.json")))!;
        double lastLoss = saved["history"]!["loss"]![5]!.GetValue<double>();   // a NaN is written as null

        Assert.Equal([0, 1, 2, 3, 4, 5], history.Epochs);
        Assert.Equal(["accuracy", "loss", "val_accuracy", "val_loss"], history.Values.Keys.Order());
        Assert.All(history.Values.Values, v => Assert.Equal(6, v.Count));
        Assert.Equal(valLoss.Min(), valLoss[best]);
        Assert.Equal(history["loss"][5], lastLoss);
        var e = Assert.Throws<KeyNotFoundException>(() => history["val_acc"]);
        Assert.Contains("it has: loss, accuracy, val_loss, val_accuracy", e.Message);
    }
}
