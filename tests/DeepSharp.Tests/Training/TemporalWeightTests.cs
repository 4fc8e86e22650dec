using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Mse = DeepSharp.Losses.MeanSquaredError;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Keras's temporal sample weights (one weight per position of a sequence output) in the losses, the
/// data sets, Fit and Evaluate; and Fit's validation sample weights.
/// </summary>
public class TemporalWeightTests
{
    /// <summary>Predictions (2, 2, 1) against zero targets: the per-position squared errors are 1, 4, 9, 16.</summary>
    private static (Tensor YTrue, Tensor YPred) Squares() => (Tensor.Zeros(2, 2, 1), Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2, 1));

    [Fact]
    public void APositionsWeightMultipliesItsLoss()
    {
        var (yTrue, yPred) = Squares();
        var weights = Tensor.FromArray([1f, 0.5f, 2f, 0f], 2, 2);
        // (1·1 + 0.5·4 + 2·9 + 0·16) / 4 positions
        Assert.Equal(21f / 4, new Mse().Compute(yTrue, yPred, weights).Item(), 5);
        // One weight per sample still weighs all of its positions: (1 + 4 + 2·(9 + 16)) / 4.
        Assert.Equal(55f / 4, new Mse().Compute(yTrue, yPred, Tensor.FromArray([1f, 2f], 2)).Item(), 5);
    }

    [Fact]
    public void WithAMaskTheMeanRunsOverTheUnmaskedPositions()
    {
        var (yTrue, yPred) = Squares();
        var weights = Tensor.FromArray([1f, 0.5f, 2f, 3f], 2, 2);
        var mask = Tensor.FromArray([1f, 1f, 1f, 0f], 2, 2);
        // Σ w·m·loss / Σ m = (1 + 2 + 18) / 3
        Assert.Equal(7f, new Mse().Compute(yTrue, yPred, weights, mask).Item(), 5);
    }

    [Fact]
    public void AZeroWeightMakesAPositionsTargetIrrelevant()
    {
        var logits = GradCheck.Random(3, 2, 3, 4);
        var weights = Tensor.FromArray([1f, 2f, 0f, 0.5f, 1f, 1f], 2, 3);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        float before = loss.Compute(Tensor.FromArray([1, 0, 3, 2, 2, 1], 2, 3), logits, weights).Item();
        float changed = loss.Compute(Tensor.FromArray([1, 0, 0, 2, 2, 1], 2, 3), logits, weights).Item();   // position (0, 2)
        float weighted = loss.Compute(Tensor.FromArray([1, 0, 3, 2, 2, 3], 2, 3), logits, weights).Item(); // position (1, 2)
        Assert.Equal(before, changed, 6);
        Assert.NotEqual(before, weighted, 3);

        var onehot = new CategoricalCrossentropy(fromLogits: true);
        float cce = onehot.Compute(DataUtils.ToCategorical(Tensor.FromArray([1, 0, 3, 2, 2, 1], 6), 4).View(2, 3, 4), logits, weights).Item();
        Assert.Equal(before, cce, 5);
    }

    [Fact]
    public void WeightsOfAnotherShapeAreRejectedNamingBothShapes()
    {
        var (yTrue, yPred) = Squares();
        var error = Assert.Throws<ShapeMismatchException>(() => new Mse().Compute(yTrue, yPred, Tensor.Ones(2, 3)));
        Assert.Contains("(2, 3)", error.Message);
        Assert.Contains("(2, 2)", error.Message);
        Assert.Throws<ShapeMismatchException>(() => new Mse().Compute(yTrue, yPred, Tensor.Ones(2, 3), Tensor.Ones(2, 2)));
        Assert.Throws<ShapeMismatchException>(() => new TensorDataset(Tensor.Zeros(2, 2), yTrue, Tensor.Ones(3, 2)));
    }

    [Fact]
    public void PerPositionMetricsTakeOneWeightPerPositionWithAndWithoutAMask()
    {
        var predictions = Tensor.FromArray([1f, 0f, 1f, 0f, 0f, 1f], 1, 3, 2);   // classes 0, 0, 1
        var labels = Tensor.FromArray([0, 1, 1], 1, 3);                           // hits 1, 0, 1
        var weights = Tensor.FromArray([1f, 3f, 2f], 1, 3);
        var accuracy = new Accuracy();
        accuracy.Update(labels, predictions, weights);
        Assert.Equal((1 + 2) / 6.0, accuracy.Result(), 9);
        accuracy.Reset();
        accuracy.Update(labels, predictions, weights, Tensor.FromArray([1f, 1f, 0f], 1, 3));
        Assert.Equal(1 / 4.0, accuracy.Result(), 9);
    }

    [Fact]
    public void FitAndEvaluateWeighEachPositionOfABatch()
    {
        const int samples = 6, time = 3, classes = 4;
        var x = GradCheck.Random(11, samples, time, 2);
        var labels = Tensor.FromArray([.. Enumerable.Range(0, samples * time).Select(i => i * 7 % classes)], samples, time);
        var weights = Tensor.FromArray([.. Enumerable.Range(0, samples * time).Select(i => i % 3 * 0.75f)], samples, time);
        RandomGenerator.SetGlobalSeed(12);
        var model = new Sequential(new Dense(classes, inputShape: [time, 2]));
        // A learning rate of 1e-30 leaves the weights as they are, so the predictions stay fixed.
        model.Compile(new Sgd(1e-30f), new SparseCategoricalCrossentropy(fromLogits: true), weightedMetrics: [new Accuracy()]);
        var p = model.Predict(x);
        float expected = new SparseCategoricalCrossentropy(fromLogits: true).Compute(labels, p, weights).Item();

        var history = model.Fit(x, labels, batchSize: 2, epochs: 1, verbose: 0, sampleWeight: weights);
        Assert.Equal(expected, history["loss"][0], 5);
        var scores = model.Evaluate(x, labels, batchSize: 2, sampleWeight: weights);
        Assert.Equal(expected, scores["loss"], 5);
        var accuracy = new Accuracy();
        accuracy.Update(labels, p, weights);
        Assert.Equal(accuracy.Result(), scores["accuracy"], 6);   // alone among the metrics, it keeps its plain name

        // Weight 0 at every third position: their labels do not matter.
        var relabelled = labels.Clone();
        for (int i = 0; i < samples * time; i += 3) relabelled.IntSpan[i] = (relabelled.IntSpan[i] + 1) % classes;
        Assert.Equal(scores["loss"], model.Evaluate(x, relabelled, batchSize: 2, sampleWeight: weights)["loss"], 6);
    }

    [Fact]
    public void ValidationSplitKeepsThePositionWeightsOfTheHeldOutSamples()
    {
        var x = GradCheck.Random(21, 10, 3, 2);
        var y = GradCheck.Random(22, 10, 3, 1);
        var weights = Tensor.RandomUniform(new Shape(10, 3), 0f, 2f, new RandomGenerator(23));
        RandomGenerator.SetGlobalSeed(24);
        var model = new Sequential(new Dense(1, inputShape: [3, 2]));
        model.Compile(new Sgd(1e-30f), new Mse());
        var history = model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0, validationSplit: 0.4f, sampleWeight: weights);
        var expected = new Mse().Compute(y.SliceRows(6, 4), model.Predict(x.SliceRows(6, 4)), weights.SliceRows(6, 4)).Item();
        Assert.Equal(expected, history["val_loss"][0], 5);
    }

    [Fact]
    public void ClassWeightsWithPositionWeightsAreRejected()
    {
        var model = new Sequential(new Dense(3, inputShape: [2, 2]));
        model.Compile(new Sgd(0.1f), new SparseCategoricalCrossentropy(fromLogits: true));
        var error = Assert.Throws<ShapeMismatchException>(() => model.Fit(Tensor.Zeros(4, 2, 2), Tensor.Zeros(4, 2), verbose: 0,
            classWeight: new Dictionary<int, float> { [0] = 2f }, sampleWeight: Tensor.Ones(4, 2)));
        Assert.Contains("classWeight", error.Message);
    }
}
