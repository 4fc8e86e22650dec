using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>Fit, Evaluate and Predict with Tensor[] inputs and targets (Keras's x=[a, b], y=[t1, t2]), per-output losses and logs.</summary>
public class MultiIOTests
{
    internal const int Samples = 96;

    /// <summary>Inputs a (4 features) and b (3); targets: a class from a and b, and a regression value.</summary>
    internal static (Tensor A, Tensor B, Tensor Labels, Tensor Value) Data(int seed)
    {
        var rng = new RandomGenerator(seed);
        var a = Tensor.RandomNormal(new Shape(Samples, 4), generator: rng);
        var b = Tensor.RandomNormal(new Shape(Samples, 3), generator: rng);
        var labels = Tensor.IntZeros(new Shape(Samples));
        var value = Tensor.Zeros(Samples, 1);
        for (int i = 0; i < Samples; i++)
        {
            labels.IntSpan[i] = a[i, 0] + b[i, 1] > 0 ? 1 : 0;
            value.Span[i] = a[i, 2] - 0.5f * b[i, 0];
        }
        return (a, b, labels, value);
    }

    /// <summary>Two inputs, two outputs named out1 (2-class softmax) and out2 (one linear value).</summary>
    internal static Model TwoByTwo()
    {
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(new Dense(8, Activation.Tanh).Call(a), b);
        var hidden = new Dense(12, Activation.Relu).Call(joined);
        var out1 = new Dense(2, Activation.Softmax, name: "out1").Call(hidden);
        var out2 = new Dense(1, name: "out2").Call(hidden);
        return new Model([a, b], [out1, out2], name: "two_by_two");
    }

    [Fact]
    public void TwoInputModelTrainsThroughFitWithTensorArrays()
    {
        RandomGenerator.SetGlobalSeed(21);
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(new Dense(6, Activation.Tanh).Call(a), b);
        var gate = new Dense(9, Activation.Sigmoid).Call(joined);
        var model = new Model([a, b], [new Dense(1).Call(new Multiply().Call(joined, gate))]);
        var (xa, xb, _, value) = Data(22);
        model.Compile(new Adam(0.02f), new DeepSharp.Losses.MeanSquaredError(), [new DeepSharp.Metrics.MeanAbsoluteError()]);

        var history = model.Fit([xa, xb], [value], batchSize: 16, epochs: 8, verbose: 0, validationSplit: 0.25f);
        var losses = history["loss"];
        Assert.True(losses[^1] < 0.3 * losses[0], $"loss {losses[0]} → {losses[^1]}");
        Assert.Equal(["loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"], history.Values.Keys.Order());

        var scores = model.Evaluate([xa, xb], [value], batchSize: Samples);
        var prediction = Assert.Single(model.Predict([xa, xb], batchSize: 10));
        Assert.Equal(new Shape(Samples, 1), prediction.Shape);
        Assert.Equal(new DeepSharp.Losses.MeanSquaredError().Compute(value, prediction).Item(), scores["loss"], 5);
    }

    [Fact]
    public void ResidualModelTrainsThroughFitWithTensorArrays()
    {
        RandomGenerator.SetGlobalSeed(23);
        var input = Model.Input([4]);
        var h = new Dense(16, Activation.Relu).Call(input);
        var sum = new Add().Call(h, new Dense(16).Call(new BatchNormalization().Call(h)));
        var model = new Model(input, new Dense(2, Activation.Softmax).Call(sum));
        var (xa, _, labels, _) = Data(24);
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), [new Accuracy()]);
        var losses = model.Fit([xa], [labels], batchSize: 16, epochs: 5, verbose: 0)["loss"];
        Assert.True(losses[^1] < 0.7 * losses[0], $"loss {losses[0]} → {losses[^1]}");
    }

    [Fact]
    public void TwoOutputsLogPerOutputLossesAndMetricsUnderTheOutputNames()
    {
        RandomGenerator.SetGlobalSeed(25);
        var model = TwoByTwo();
        var (xa, xb, labels, value) = Data(26);
        model.Compile(new Adam(0.01f), [new SparseCategoricalCrossentropy(), new DeepSharp.Losses.MeanSquaredError()],
            lossWeights: [0.5f, 2f],
            metrics: [[new Accuracy()], [new DeepSharp.Metrics.MeanAbsoluteError()]]);
        Assert.Equal(["loss", "out1_loss", "out2_loss", "out1_accuracy", "out2_mean_absolute_error"], model.MetricNames);

        var history = model.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 6, verbose: 0, validationData: ([xa, xb], [labels, value]));
        Assert.Equal(["loss", "out1_accuracy", "out1_loss", "out2_loss", "out2_mean_absolute_error",
            "val_loss", "val_out1_accuracy", "val_out1_loss", "val_out2_loss", "val_out2_mean_absolute_error"], history.Values.Keys.Order());
        Assert.True(history["loss"][^1] < 0.6 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        for (int e = 0; e < 6; e++)                                   // the total is the weighted sum of the outputs' losses
            Assert.Equal(0.5 * history["out1_loss"][e] + 2 * history["out2_loss"][e], history["loss"][e], 4);

        // Evaluate over one batch: each output's loss and metric from Predict's outputs.
        var scores = model.Evaluate([xa, xb], [labels, value], batchSize: Samples);
        var predictions = model.Predict([xa, xb]);
        Assert.Equal([new Shape(Samples, 2), new Shape(Samples, 1)], predictions.Select(p => p.Shape));
        double ce = new SparseCategoricalCrossentropy().Compute(labels, predictions[0]).Item();
        double mse = new DeepSharp.Losses.MeanSquaredError().Compute(value, predictions[1]).Item();
        Assert.Equal(ce, scores["out1_loss"], 5);
        Assert.Equal(mse, scores["out2_loss"], 5);
        Assert.Equal(0.5 * ce + 2 * mse, scores["loss"], 5);
        var accuracy = new Accuracy();
        accuracy.Update(labels, predictions[0]);
        Assert.Equal(accuracy.Result(), scores["out1_accuracy"], 9);
        Assert.Equal(history["val_loss"][^1], scores["loss"], 5);
    }

    [Fact]
    public void OneLossAppliesToEveryOutput()
    {
        RandomGenerator.SetGlobalSeed(27);
        var a = Model.Input([4], name: "a");
        var model = new Model([a], [new Dense(1, name: "left").Call(a), new Dense(1, name: "right").Call(a)]);
        var (xa, _, _, value) = Data(28);
        model.Compile(new Sgd(0.05f), new DeepSharp.Losses.MeanSquaredError());
        var scores = model.Evaluate([xa], [value, value], batchSize: Samples);
        Assert.Equal(["left_loss", "loss", "right_loss"], scores.Keys.Order());
        Assert.Equal(scores["left_loss"] + scores["right_loss"], scores["loss"], 5);
        var losses = model.Fit([xa], [value, value], batchSize: 16, epochs: 5, verbose: 0)["loss"];
        Assert.True(losses[^1] < losses[0]);
    }

    [Fact]
    public void SingleOutputListsKeepTheSingleOutputNames()
    {
        RandomGenerator.SetGlobalSeed(29);
        var (x, y, _) = ModelTests.Blobs(64, 30);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(0.01f), [new CategoricalCrossentropy()], metrics: [[new Accuracy(), new Accuracy()]]);
        var plain = model.Evaluate(x, y, batchSize: 64);
        Assert.Equal(["accuracy", "accuracy_1", "loss"], plain.Keys.Order());   // Keras numbers a repeated name

        model.Compile(new Adam(0.01f), [new CategoricalCrossentropy()], lossWeights: [3f], metrics: [[new Accuracy()]]);
        var weighted = model.Evaluate(x, y, batchSize: 64);
        Assert.Equal(3 * plain["loss"], weighted["loss"], 5);
        Assert.Equal(["accuracy", "loss"], weighted.Keys.Order());
        Assert.Equal(plain["accuracy"], weighted["accuracy"]);

        var outputs = model.Predict([x]);                                       // an array of one for a Sequential
        Assert.Equal(model.Predict(x).ToArray(), Assert.Single(outputs).ToArray());
    }

    [Fact]
    public void WrongCountsAndShapesGiveClearErrors()
    {
        var model = TwoByTwo();
        var (xa, xb, labels, value) = Data(31);
        var e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]));
        Assert.Contains("has 2 outputs (out1, out2): give metrics per output", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), [new CategoricalCrossentropy()]));
        Assert.Contains("has 2 outputs (out1, out2); losses has 1 entry", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), [new SparseCategoricalCrossentropy(), new DeepSharp.Losses.MeanSquaredError()], lossWeights: [1f]));
        Assert.Contains("lossWeights has 1 entry", e.Message);
        var shared = new Accuracy();
        e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), [new SparseCategoricalCrossentropy(), new DeepSharp.Losses.MeanSquaredError()], metrics: [[shared], [shared]]));
        Assert.Contains("given twice", e.Message);

        model.Compile(new Adam(), [new SparseCategoricalCrossentropy(), new DeepSharp.Losses.MeanSquaredError()]);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa], [labels, value], verbose: 0));
        Assert.Contains("model 'two_by_two' takes 2 inputs (a (None, 4), b (None, 3)); got 1 tensor", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate([xa, xb], [labels]));
        Assert.Contains("has 2 outputs (out1, out2); got 1 target tensor", e.Message);
        var s = Assert.Throws<ShapeMismatchException>(() => model.Fit([xa, xb.SliceRows(0, 10)], [labels, value], verbose: 0));
        Assert.Contains("input 1 (10, 3) does not have the 96 samples", s.Message);
        s = Assert.Throws<ShapeMismatchException>(() => model.Fit([xb, xa], [labels, value], verbose: 0));
        Assert.Contains("input 'a' expects (None, 4)", s.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa, xb], [labels, value], verbose: 0, classWeight: new Dictionary<int, float> { [0] = 2f }));
        Assert.Contains("classWeight is only supported for a model with one output", e.Message);
        var p = Assert.Throws<InvalidOperationException>(() => model.Predict(xa));
        Assert.Contains("use Predict(Tensor[])", p.Message);
        // A loader whose batches do not match the model is named too.
        var loader = new DeepSharp.Data.DataLoader(new DeepSharp.Data.TensorDataset(xa, labels), batchSize: 16);
        e = Assert.Throws<ArgumentException>(() => model.Fit(loader, verbose: 0));
        Assert.Contains("takes 2 inputs and 2 targets (outputs out1, out2); the batch has 1 input and 1 target", e.Message);
    }

    [Fact]
    public void ABatchSourceOfListBatchesTrainsLikeTensors()
    {
        var (xa, xb, labels, value) = Data(36);
        IEnumerable<DeepSharp.Data.Batch> Pass()
        {
            for (int start = 0; start < Samples; start += 32)
                yield return DeepSharp.Data.Batch.FromLists([xa.SliceRows(start, 32), xb.SliceRows(start, 32)], [labels.SliceRows(start, 32), value.SliceRows(start, 32)]);
        }
        History Train(Func<Model, History> fit)
        {
            RandomGenerator.SetGlobalSeed(37);
            var model = TwoByTwo();
            model.Compile(new Sgd(0.05f), [new SparseCategoricalCrossentropy(), new DeepSharp.Losses.MeanSquaredError()]);
            return fit(model);
        }
        var fromSource = Train(m => m.Fit(DeepSharp.Data.DataLoader.FromBatches(Pass, batchCount: 3, prefetch: 0), epochs: 2, verbose: 0));
        var fromTensors = Train(m => m.Fit([xa, xb], [labels, value], batchSize: 32, epochs: 2, verbose: 0, shuffle: false));
        foreach (var (name, values) in fromTensors.Values) Assert.Equal(values, fromSource[name]);

        var batch = DeepSharp.Data.Batch.FromLists([xa, xb], [labels, value]);
        Assert.Equal((2, 2, Samples), (batch.InputCount, batch.TargetCount, batch.Size));
        Assert.Same(value, batch.Target(1));
        Assert.Throws<ArgumentException>(() => DeepSharp.Data.Batch.FromLists([], [labels]));
        Assert.Equal(1, new DeepSharp.Data.Batch(xa, labels).InputCount);
    }

    private sealed class CrashException : Exception;

    private sealed class Crash(int afterSteps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == afterSteps) throw new CrashException();
        }
    }

    [Fact]
    public void TwoOutputTrainingResumesExactlyFromACheckpoint()
    {
        (float[][], History) Train(string folder, int? crashAfter)
        {
            Model Setup()
            {
                RandomGenerator.SetGlobalSeed(33);
                var model = TwoByTwo();
                model.Compile(new Adam(0.01f), [new SparseCategoricalCrossentropy(), new DeepSharp.Losses.MeanSquaredError()],
                    metrics: [[new Accuracy()], []], weightedMetrics: [[new Accuracy()], [new DeepSharp.Metrics.MeanAbsoluteError()]]);
                return model;
            }
            var (xa, xb, labels, value) = Data(34);
            var weights = Tensor.RandomUniform(new Shape(Samples), 0f, 2f, new RandomGenerator(35));
            var model = Setup();
            if (crashAfter is { } n)
                Assert.Throws<CrashException>(() => model.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 3, verbose: 0, sampleWeight: weights,
                    callbacks: [new BackupAndRestore(folder, saveEveryNSteps: 4), new Crash(n)]));
            model = Setup();
            var history = model.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 3, verbose: 0, sampleWeight: weights,
                callbacks: [new BackupAndRestore(folder, saveEveryNSteps: 4)]);
            return (model.Parameters.Select(p => p.Value.ToArray()).ToArray(), history);
        }
        using var a = new TempFolder();
        using var b = new TempFolder();
        var (expectedWeights, expected) = Train(a.Path, null);
        var (actualWeights, actual) = Train(b.Path, 10);               // checkpoint at step 8 (epoch 1, step 2), crash at 10
        for (int i = 0; i < expectedWeights.Length; i++) Assert.Equal(expectedWeights[i], actualWeights[i]);
        Assert.Contains("out1_weighted_accuracy", expected.Values.Keys);
        foreach (var (name, values) in expected.Values) Assert.Equal(values, actual[name]);
    }
}
