using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Keras 3's split: <c>metrics</c> ignore sample and class weights, <c>weightedMetrics</c> use them
/// (a repeated name becomes "weighted_..."). Checked against metrics computed by hand from Predict.
/// </summary>
public class WeightedMetricTests
{
    private static Sequential Frozen()
    {
        // A learning rate of 1e-30 leaves every weight's float unchanged: the predictions stay fixed during Fit.
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        model.Compile(new Sgd(1e-30f), new CategoricalCrossentropy(), [new Accuracy(), new Auc()], weightedMetrics: [new Accuracy(), new Auc()]);
        return model;
    }

    private static double Score(Metric metric, Tensor y, Tensor predictions, Tensor? weights)
    {
        metric.Update(y, predictions, weights);
        return metric.Result();
    }

    [Fact]
    public void EvaluateWeighsOnlyTheWeightedMetrics()
    {
        RandomGenerator.SetGlobalSeed(41);
        var (x, y, _) = ModelTests.Blobs(80, 42);
        var weights = Tensor.RandomUniform(new Shape(80), 0f, 3f, new RandomGenerator(43));
        var model = Frozen();
        var scores = model.Evaluate(x, y, batchSize: 16, sampleWeight: weights);
        Assert.Equal(["accuracy", "auc", "loss", "weighted_accuracy", "weighted_auc"], scores.Keys.Order());

        var p = model.Predict(x);
        Assert.Equal(Score(new Accuracy(), y, p, null), scores["accuracy"], 9);
        Assert.Equal(Score(new Accuracy(), y, p, weights), scores["weighted_accuracy"], 9);
        Assert.Equal(Score(new Auc(), y, p, null), scores["auc"], 9);
        Assert.Equal(Score(new Auc(), y, p, weights), scores["weighted_auc"], 6);
        Assert.NotEqual(scores["accuracy"], scores["weighted_accuracy"], 6);
        Assert.Equal(new CategoricalCrossentropy().Compute(y, p, weights).Item(), scores["loss"], 4); // batches of 16: means of equal-size batches
    }

    [Fact]
    public void FitWeighsTheWeightedMetricsWithClassAndSampleWeights()
    {
        var (x, y, labels) = ModelTests.Blobs(64, 44);
        var classWeight = new Dictionary<int, float> { [0] = 4f, [1] = 0.25f };
        var sampleWeight = Tensor.RandomUniform(new Shape(64), 0.5f, 2f, new RandomGenerator(45));
        var implied = Tensor.FromArray(labels.ToIntArray().Select((c, i) => (c == 0 ? 4f : c == 1 ? 0.25f : 1f) * sampleWeight.Span[i]).ToArray(), 64);

        RandomGenerator.SetGlobalSeed(46);
        var model = Frozen();
        var history = model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, shuffle: false, classWeight: classWeight, sampleWeight: sampleWeight);
        var p = model.Predict(x);
        Assert.Equal(Score(new Accuracy(), y, p, null), history["accuracy"][0], 9);
        Assert.Equal(Score(new Accuracy(), y, p, implied), history["weighted_accuracy"][0], 6);
        Assert.NotEqual(history["accuracy"][0], history["weighted_accuracy"][0], 6);
    }

    [Fact]
    public void ValidationSplitKeepsTheHeldOutSamplesWeights()
    {
        var (x, y, _) = ModelTests.Blobs(100, 47);
        var weights = Tensor.RandomUniform(new Shape(100), 0f, 3f, new RandomGenerator(48));
        RandomGenerator.SetGlobalSeed(49);
        var model = Frozen();
        var history = model.Fit(x, y, batchSize: 100, epochs: 1, verbose: 0, validationSplit: 0.3f, sampleWeight: weights);
        var (xv, yv, wv) = (x.SliceRows(70, 30), y.SliceRows(70, 30), weights.SliceRows(70, 30));
        var p = model.Predict(xv);
        Assert.Equal(Score(new Accuracy(), yv, p, wv), history["val_weighted_accuracy"][0], 6);
        Assert.Equal(Score(new Accuracy(), yv, p, null), history["val_accuracy"][0], 9);
        Assert.Equal(new CategoricalCrossentropy().Compute(yv, p, wv).Item(), history["val_loss"][0], 5);
    }

    [Fact]
    public void WithoutWeightsBothKindsAgree()
    {
        var (x, y, _) = ModelTests.Blobs(48, 50);
        RandomGenerator.SetGlobalSeed(51);
        var scores = Frozen().Evaluate(x, y);
        Assert.Equal(scores["accuracy"], scores["weighted_accuracy"]);
        Assert.Equal(scores["auc"], scores["weighted_auc"]);
    }
}
