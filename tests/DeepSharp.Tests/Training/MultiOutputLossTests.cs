using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Mse = DeepSharp.Losses.MeanSquaredError;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Keras's <c>loss=[None, "mse"]</c> (an output that is not trained) and <c>sample_weight=[w1, w2]</c>
/// (one weight tensor per output), on the two-input, two-output model of <see cref="MultiIOTests"/>:
/// out1 (2-class softmax) and out2 (one linear value), each a Dense head only its output uses.
/// </summary>
public class MultiOutputLossTests
{
    private const int Samples = MultiIOTests.Samples;

    private static float[][] HeadWeights(Model model, string layer) =>
        model.Layers.Single(l => l.Name == layer).Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static float[][] OtherWeights(Model model) =>
        model.Layers.Where(l => l.Name is not ("out1" or "out2")).SelectMany(l => l.Parameters).Select(p => p.Value.ToArray()).ToArray();

    /// <summary>Σ w·(y − p)² / n over the samples (Keras's sum_over_batch_size), from Predict's values.</summary>
    private static double WeightedSquaredError(Tensor value, Tensor prediction, Tensor? weights, int start, int count)
    {
        double sum = 0;
        for (int i = start; i < start + count; i++)
        {
            double d = value.Span[i] - prediction.Span[i];
            sum += (weights is null ? 1 : weights.Span[i]) * d * d;
        }
        return sum / count;
    }

    [Fact]
    public void AnOutputWithoutALossIsNotTrainedAndHasNoLossLog()
    {
        RandomGenerator.SetGlobalSeed(51);
        var model = MultiIOTests.TwoByTwo();
        var (xa, xb, labels, _) = MultiIOTests.Data(52);
        model.Compile(new Adam(0.01f), [new SparseCategoricalCrossentropy(), null]);
        Assert.Equal(["loss", "out1_loss"], model.MetricNames);
        Assert.Null(model.Losses[1]);
        var out2Before = HeadWeights(model, "out2");
        var out1Before = HeadWeights(model, "out1");
        var sharedBefore = OtherWeights(model);

        var history = model.Fit([xa, xb], [labels, null], batchSize: 16, epochs: 3, verbose: 0);

        Assert.Equal(["loss", "out1_loss"], history.Values.Keys.Order());
        Assert.Equal(history["out1_loss"], history["loss"]);            // out2 adds nothing to the total
        var out2After = HeadWeights(model, "out2");
        for (int i = 0; i < out2Before.Length; i++) Assert.Equal(out2Before[i], out2After[i]);
        var out1After = HeadWeights(model, "out1");
        Assert.NotEqual(out1Before[0], out1After[0]);
        var sharedAfter = OtherWeights(model);
        Assert.Contains(Enumerable.Range(0, sharedBefore.Length), i => !sharedBefore[i].SequenceEqual(sharedAfter[i]));

        var scores = model.Evaluate([xa, xb], [labels, null], batchSize: Samples);
        var p = model.Predict([xa, xb]);
        Assert.Equal(["loss", "out1_loss"], scores.Keys.Order());
        Assert.Equal(new SparseCategoricalCrossentropy().Compute(labels, p[0]).Item(), scores["loss"], 5);
    }

    [Fact]
    public void AnOutputWithoutALossKeepsItsMetricsWhenGivenATarget()
    {
        RandomGenerator.SetGlobalSeed(53);
        var model = MultiIOTests.TwoByTwo();
        var (xa, xb, labels, value) = MultiIOTests.Data(54);
        model.Compile(new Sgd(0.05f), [null, new Mse()], metrics: [[new Accuracy()], [new DeepSharp.Metrics.MeanAbsoluteError()]]);
        Assert.Equal(["loss", "out2_loss", "out1_accuracy", "out2_mean_absolute_error"], model.MetricNames);

        var scores = model.Evaluate([xa, xb], [labels, value], batchSize: Samples);
        var p = model.Predict([xa, xb]);
        var accuracy = new Accuracy();
        accuracy.Update(labels, p[0]);
        Assert.Equal(accuracy.Result(), scores["out1_accuracy"], 9);
        Assert.Equal(WeightedSquaredError(value, p[1], null, 0, Samples), scores["loss"], 5);
        Assert.Equal(scores["out2_loss"], scores["loss"], 9);

        // out1 has a metric, so it needs its target; out2 has a loss.
        var e = Assert.Throws<ArgumentException>(() => model.Evaluate([xa, xb], [null, value]));
        Assert.Contains("output 'out1' (output 0) of model 'two_by_two' has metrics and needs a target", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa, xb], [labels, null], verbose: 0));
        Assert.Contains("output 'out2' (output 1) of model 'two_by_two' has a loss and needs a target", e.Message);

        var history = model.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 2, verbose: 0);
        Assert.Equal(["loss", "out1_accuracy", "out2_loss", "out2_mean_absolute_error"], history.Values.Keys.Order());
    }

    [Fact]
    public void AtLeastOneOutputNeedsALoss()
    {
        var model = MultiIOTests.TwoByTwo();
        var e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), [null, null]));
        Assert.Contains("Model 'two_by_two': no output (out1, out2) has a loss", e.Message);
        Assert.Null(model.Optimizer);                                     // nothing compiled
    }

    /// <summary>A model whose predictions stay fixed during Fit: a learning rate of 1e-30 leaves every float unchanged.</summary>
    private static Model Frozen(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = MultiIOTests.TwoByTwo();
        model.Compile(new Sgd(1e-30f), [new SparseCategoricalCrossentropy(), new Mse()],
            weightedMetrics: [[new Accuracy()], [new DeepSharp.Metrics.MeanAbsoluteError()]]);
        return model;
    }

    /// <summary>Weights 0 on every odd sample, uniform in [0.5, 2) elsewhere.</summary>
    private static Tensor HalfZero(int seed)
    {
        var w = Tensor.RandomUniform(new Shape(Samples), 0.5f, 2f, new RandomGenerator(seed));
        for (int i = 1; i < Samples; i += 2) w.Span[i] = 0f;
        return w;
    }

    [Fact]
    public void EvaluateWeighsEachOutputWithItsOwnWeights()
    {
        var model = Frozen(55);
        var (xa, xb, labels, value) = MultiIOTests.Data(56);
        var w = Tensor.RandomUniform(new Shape(Samples), 0f, 3f, new RandomGenerator(57));

        var scores = model.Evaluate([xa, xb], [labels, value], batchSize: Samples, sampleWeights: [w, null]);
        var p = model.Predict([xa, xb]);
        double ce = new SparseCategoricalCrossentropy().Compute(labels, p[0], w).Item();
        double mse = WeightedSquaredError(value, p[1], null, 0, Samples);
        Assert.Equal(ce, scores["out1_loss"], 5);
        Assert.Equal(mse, scores["out2_loss"], 5);
        Assert.Equal(ce + mse, scores["loss"], 5);
        var accuracy = new Accuracy();
        accuracy.Update(labels, p[0], w);
        Assert.Equal(accuracy.Result(), scores["out1_accuracy"], 9);
        var mae = new DeepSharp.Metrics.MeanAbsoluteError();
        mae.Update(value, p[1]);
        Assert.Equal(mae.Result(), scores["out2_mean_absolute_error"], 6);

        // The weights reach out1 only: weighting both outputs with w changes out2's values.
        var both = model.Evaluate([xa, xb], [labels, value], batchSize: Samples, sampleWeight: w);
        Assert.Equal(scores["out1_loss"], both["out1_loss"], 9);
        Assert.NotEqual(scores["out2_loss"], both["out2_loss"], 4);
        Assert.Equal(WeightedSquaredError(value, p[1], w, 0, Samples), both["out2_loss"], 5);
    }

    [Fact]
    public void FitWeighsEachOutputWithItsOwnWeightsAndSplitsThemForValidation()
    {
        var model = Frozen(58);
        var (xa, xb, labels, value) = MultiIOTests.Data(59);
        var w2 = HalfZero(60);
        var p = model.Predict([xa, xb]);

        // 72 training samples in one batch, 24 held out in one batch; predictions fixed.
        var history = model.Fit([xa, xb], [labels, value], batchSize: Samples, epochs: 1, verbose: 0, shuffle: false,
            validationSplit: 0.25f, sampleWeights: [null, w2]);
        Assert.Equal(WeightedSquaredError(value, p[1], w2, 0, 72), history["out2_loss"][0], 5);
        Assert.Equal(WeightedSquaredError(value, p[1], w2, 72, 24), history["val_out2_loss"][0], 5);
        Assert.NotEqual(WeightedSquaredError(value, p[1], null, 72, 24), history["val_out2_loss"][0], 4);
        double ce = new SparseCategoricalCrossentropy().Compute(labels.SliceRows(0, 72), p[0].SliceRows(0, 72)).Item();
        Assert.Equal(ce, history["out1_loss"][0], 5);                  // out1 unweighted
        var mae = new DeepSharp.Metrics.MeanAbsoluteError();
        mae.Update(value.SliceRows(72, 24), p[1].SliceRows(72, 24), w2.SliceRows(72, 24));
        Assert.Equal(mae.Result(), history["val_out2_mean_absolute_error"][0], 6);
    }

    [Fact]
    public void ZeroWeightsOnOneOutputLeaveItsHeadUnchanged()
    {
        RandomGenerator.SetGlobalSeed(61);
        var model = MultiIOTests.TwoByTwo();
        var (xa, xb, labels, value) = MultiIOTests.Data(62);
        model.Compile(new Sgd(0.05f), [new SparseCategoricalCrossentropy(), new Mse()]);
        var out2Before = HeadWeights(model, "out2");
        var out1Before = HeadWeights(model, "out1");

        model.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 2, verbose: 0, sampleWeights: [null, Tensor.Zeros(Samples)]);

        var out2After = HeadWeights(model, "out2");
        for (int i = 0; i < out2Before.Length; i++) Assert.Equal(out2Before[i], out2After[i]);
        Assert.NotEqual(out1Before[0], HeadWeights(model, "out1")[0]);
    }

    [Fact]
    public void WrongSampleWeightsGiveClearErrors()
    {
        var model = Frozen(63);
        var (xa, xb, labels, value) = MultiIOTests.Data(64);
        var w = Tensor.Ones(Samples);
        var e = Assert.Throws<ArgumentException>(() => model.Fit([xa, xb], [labels, value], verbose: 0, sampleWeights: [w]));
        Assert.Contains("Fit: model 'two_by_two' has 2 outputs (out1, out2); sampleWeights has 1 entry: give one per output", e.Message);
        var s = Assert.Throws<ShapeMismatchException>(() => model.Evaluate([xa, xb], [labels, value], sampleWeights: [null, Tensor.Ones(10)]));
        Assert.Contains("Evaluate: the sample weights of output 'out2' (sampleWeights[1]) are (10,) Float32", s.Message);
        Assert.Contains("one float per sample (96)", s.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit([xa, xb], [labels, value], verbose: 0, sampleWeight: w, sampleWeights: [w, w]));
        Assert.Contains("not both", e.Message);
    }

    [Fact]
    public void DatasetsAndBatchesCarryNullTargetsAndPerOutputWeights()
    {
        var (xa, xb, labels, value) = MultiIOTests.Data(65);
        var w = Tensor.RandomUniform(new Shape(Samples), 0f, 1f, new RandomGenerator(66));
        var data = new DeepSharp.Data.TensorDataset([xa, xb], [null, value], [w, null]);
        Assert.Same(value, data.Y);                                      // the first target given
        var batch = data.GetBatch([3, 5]);
        Assert.Null(batch.Target(0));
        Assert.Equal([value[3, 0], value[5, 0]], batch.Target(1)!.ToArray());
        Assert.Equal([w.Span[3], w.Span[5]], batch.SampleWeightOf(0)!.ToArray());
        Assert.Null(batch.SampleWeightOf(1));
        Assert.Null(batch.SampleWeight);

        var one = DeepSharp.Data.Batch.FromLists([xa], [labels], [w]);   // one output: its weights are the batch's
        Assert.Same(w, one.SampleWeight);
        Assert.Throws<ArgumentException>(() => DeepSharp.Data.Batch.FromLists([xa], [null, null]));
        Assert.Throws<ArgumentException>(() => DeepSharp.Data.Batch.FromLists([xa], [labels, value], [w]));
        Assert.Throws<ShapeMismatchException>(() => new DeepSharp.Data.TensorDataset([xa], [labels], [Tensor.Ones(3)]));
    }
}
