using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Issue 13, item 9: TrainOnBatch, TestOnBatch and PredictOnBatch take the steps Fit, Evaluate and
/// Predict take: the same weights bit for bit, the same logs, the same outputs.
/// </summary>
public sealed class OneBatchCallTests
{
    private const int Samples = 12;

    private static Sequential Classifier(Sequential? copyFrom = null)
    {
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [5]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(0.01f), new CategoricalCrossentropy(), [new Accuracy()]);
        if (copyFrom is not null)
        {
            var from = copyFrom.Parameters.ToArray();
            var to = model.Parameters.ToArray();
            for (int i = 0; i < from.Length; i++) from[i].Value.Span.CopyTo(to[i].Value.Span);
        }
        return model;
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var generator = new RandomGenerator(7);
        var x = Tensor.RandomNormal(new Shape(Samples, 5), generator: generator);
        var y = Tensor.Zeros(Samples, 3);
        for (int i = 0; i < Samples; i++) y.Span[i * 3 + i % 3] = 1f;
        return (x, y);
    }

    private static void AssertSameWeights(Model expected, Model actual)
    {
        var e = expected.Parameters.ToArray();
        var a = actual.Parameters.ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i].Value.ToArray(), a[i].Value.ToArray()); // exact floats
    }

    [Fact]
    public void TrainOnBatchGivesFitsWeightsBitForBit()
    {
        var (x, y) = Data();
        var fitted = Classifier();
        var stepped = Classifier(copyFrom: fitted);

        var history = fitted.Fit(x, y, batchSize: Samples, epochs: 2, verbose: 0, shuffle: false);
        var first = stepped.TrainOnBatch(x, y);
        var second = stepped.TrainOnBatch(x, y);

        AssertSameWeights(fitted, stepped);
        Assert.Equal(history["loss"][0], first["loss"]);
        Assert.Equal(history["loss"][1], second["loss"]);
        Assert.Equal(history["accuracy"][1], second["accuracy"]);
        Assert.Equal(["accuracy", "loss"], second.Keys.Order());
    }

    [Fact]
    public void TrainOnBatchWithSampleAndClassWeightsMatchesFit()
    {
        var (x, y) = Data();
        var weights = Tensor.RandomUniform(new Shape(Samples), 0.5f, 2f, new RandomGenerator(3));
        var classWeight = new Dictionary<int, float> { [1] = 3f };
        var fitted = Classifier();
        var stepped = Classifier(copyFrom: fitted);

        fitted.Fit(x, y, batchSize: Samples, epochs: 1, verbose: 0, shuffle: false, sampleWeight: weights, classWeight: classWeight);
        stepped.TrainOnBatch(x, y, weights, classWeight);

        AssertSameWeights(fitted, stepped);
    }

    [Fact]
    public void TestOnBatchEqualsEvaluateAndPredictOnBatchEqualsPredict()
    {
        var (x, y) = Data();
        var model = Classifier();
        model.TrainOnBatch(x, y);

        var evaluated = model.Evaluate(x, y, batchSize: Samples);
        var tested = model.TestOnBatch(x, y);
        Assert.Equal(evaluated["loss"], tested["loss"]);
        Assert.Equal(evaluated["accuracy"], tested["accuracy"]);

        Assert.Equal(model.Predict(x).ToArray(), model.PredictOnBatch(x).ToArray());
        Assert.Equal(model.Predict([x])[0].ToArray(), model.PredictOnBatch([x])[0].ToArray());
    }

    [Fact]
    public void WithoutResetTheLogsRunOverTheCalls()
    {
        var (x, y) = Data();
        var model = Classifier();
        var evaluated = model.Evaluate(x, y, batchSize: Samples / 2);

        model.TestOnBatch(x.SliceRows(0, Samples / 2), y.SliceRows(0, Samples / 2));
        var running = model.TestOnBatch(x.SliceRows(Samples / 2, Samples / 2), y.SliceRows(Samples / 2, Samples / 2), resetMetrics: false);
        var alone = model.TestOnBatch(x.SliceRows(Samples / 2, Samples / 2), y.SliceRows(Samples / 2, Samples / 2));

        Assert.Equal(evaluated["loss"], running["loss"], 12);
        Assert.Equal(evaluated["accuracy"], running["accuracy"], 12);
        Assert.NotEqual(running["loss"], alone["loss"]);
    }

    [Fact]
    public void UncompiledOrMismatchedCallsFailClearly()
    {
        var (x, y) = Data();
        var model = new Sequential(new Dense(3, inputShape: [5]));
        Assert.Throws<InvalidOperationException>(() => model.TrainOnBatch(x, y));
        var compiled = Classifier();
        var e = Assert.Throws<ShapeMismatchException>(() => compiled.TrainOnBatch(x, y.SliceRows(0, 4)));
        Assert.Contains("TrainOnBatch", e.Message);
    }
}
