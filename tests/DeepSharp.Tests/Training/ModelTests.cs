using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

public class ModelTests
{
    [Fact]
    public void SeedModelSummaryMatchesKeras()
    {
        var text = SeedModel.Create().Summary(_ => { });
        Assert.Contains("conv2d (Conv2D)", text);
        Assert.Contains("(None, 26, 26, 32)", text);
        Assert.Contains("max_pooling2d (MaxPooling2D)", text);
        Assert.Contains("(None, 13, 13, 32)", text);
        Assert.Contains("(None, 5408)", text);
        Assert.Contains("dense_1 (Dense)", text);
        Assert.Contains("692,352", text);
        Assert.Contains("Total params: 693,962 (2.65 MB)", text);
        Assert.Contains("Non-trainable params: 0 (0.00 B)", text);
    }

    /// <summary>Two Gaussian blobs per class in 2-D: a small problem an MLP learns in a few epochs.</summary>
    internal static (Tensor X, Tensor Y, Tensor Labels) Blobs(int n, int seed)
    {
        var rng = new RandomGenerator(seed);
        var x = new float[n * 2];
        var labels = new int[n];
        var oneHot = new float[n * 3];
        var noise = new float[2];
        for (int i = 0; i < n; i++)
        {
            int c = rng.NextInt(3);
            rng.FillNormal(noise, 0, 0.3f);
            x[2 * i] = MathF.Cos(c * 2.1f) * 1.5f + noise[0];
            x[2 * i + 1] = MathF.Sin(c * 2.1f) * 1.5f + noise[1];
            labels[i] = c;
            oneHot[3 * i + c] = 1;
        }
        return (Tensor.FromArray(x, n, 2), Tensor.FromArray(oneHot, n, 3), Tensor.FromArray(labels, n));
    }

    private static Sequential Mlp(Loss loss)
    {
        var model = new Sequential(new Dense(16, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(0.01f), loss, [new Accuracy()]);
        return model;
    }

    [Fact]
    public void FitLowersLossAndLearnsBlobs()
    {
        RandomGenerator.SetGlobalSeed(1);
        var (x, y, _) = Blobs(600, 2);
        var model = Mlp(new CategoricalCrossentropy());
        var history = model.Fit(x, y, batchSize: 32, epochs: 8, verbose: 0, validationSplit: 0.2f);
        Assert.Equal(8, history["loss"].Count);
        Assert.True(history["loss"][^1] < history["loss"][0] * 0.5, $"loss {string.Join(", ", history["loss"])}");
        Assert.True(history["val_accuracy"][^1] > 0.95, $"val_accuracy {history["val_accuracy"][^1]}");
        var eval = model.Evaluate(x, y);
        Assert.True(eval["accuracy"] > 0.95);
        var p = model.Predict(x, batchSize: 50);
        Assert.Equal(new Shape(600, 3), p.Shape);
        for (int i = 0; i < 600; i++) Assert.Equal(1.0, p.Span.Slice(3 * i, 3).ToArray().Sum(), 4);
    }

    [Fact]
    public void SparseLabelsTrainLikeOneHot()
    {
        RandomGenerator.SetGlobalSeed(1);
        var (x, y, labels) = Blobs(300, 3);
        var dense = Mlp(new CategoricalCrossentropy());
        var dh = dense.Fit(x, y, epochs: 2, verbose: 0, shuffle: false);
        RandomGenerator.SetGlobalSeed(1);
        var sparse = Mlp(new SparseCategoricalCrossentropy());
        var sh = sparse.Fit(x, labels, epochs: 2, verbose: 0, shuffle: false);
        Assert.Equal(dh["loss"][^1], sh["loss"][^1], 5);
        Assert.Equal(dh["accuracy"][^1], sh["accuracy"][^1], 6);
    }

    [Fact]
    public void SameSeedGivesIdenticalWeights()
    {
        float[][] Train()
        {
            RandomGenerator.SetGlobalSeed(7);
            var (x, y, _) = Blobs(200, 4);
            var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dropout(0.2f), new Dense(3, Activation.Softmax));
            model.Compile(new Adam(), new CategoricalCrossentropy());
            model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
        var a = Train();
        var b = Train();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]);
    }

    [Fact]
    public void CallbacksSeeEpochsAndCanStopTraining()
    {
        var (x, y, _) = Blobs(64, 5);
        var model = Mlp(new CategoricalCrossentropy());
        var stopper = new StopAfter(2);
        var history = model.Fit(x, y, epochs: 10, verbose: 0, callbacks: [stopper]);
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(2 * 2, stopper.Batches);
    }

    private sealed class StopAfter(int epochs) : Callback
    {
        public int Batches;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs) => Batches++;
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (epoch + 1 >= epochs) Model!.StopTraining = true;
        }
    }

    [Fact]
    public void ProgressLoggerWritesOnePlainLinePerEpochWhenRedirected()
    {
        var (x, y, _) = Blobs(64, 6);
        var model = Mlp(new CategoricalCrossentropy());
        var output = new StringWriter();
        model.Fit(x, y, epochs: 3, verbose: 0, callbacks: [new ProgressLogger(output, interactive: false)]);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Epoch 1/3 - ", lines[0]);
        Assert.Contains("loss: ", lines[0]);
        Assert.Contains("accuracy: ", lines[0]);
    }

    [Fact]
    public void ProgressLoggerRedrawsOnATerminal()
    {
        var (x, y, _) = Blobs(64, 6);
        var model = Mlp(new CategoricalCrossentropy());
        var output = new StringWriter();
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, callbacks: [new ProgressLogger(output, interactive: true)]);
        string text = output.ToString();
        Assert.Contains("Epoch 1/1", text);
        Assert.Contains("\r4/4 ", text);
        Assert.Contains("ms/step", text);
    }

    [Fact]
    public void BadFitArgumentsGiveClearErrors()
    {
        var (x, y, _) = Blobs(10, 1);
        var model = new Sequential(new Dense(3, inputShape: [2]));
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y));
        Assert.Contains("Compile", e.Message);
        model.Compile(new Sgd(), new CategoricalCrossentropy());
        var m = Assert.Throws<ShapeMismatchException>(() => model.Fit(x, y.SliceRows(0, 5), verbose: 0));
        Assert.Contains("10 input samples", m.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: 0));
        var bad = Assert.Throws<ShapeMismatchException>(() => model.Fit(Tensor.Zeros(10, 5), y, verbose: 0));
        Assert.Contains("dense", bad.Message);
    }
}
