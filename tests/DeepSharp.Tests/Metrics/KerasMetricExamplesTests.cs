using DeepSharp.Metrics;
using DeepSharp.Tensors;
using Lm = DeepSharp.Metrics.LossMetrics;

namespace DeepSharp.Tests.Metrics;

/// <summary>
/// The numbers of keras.io's standalone examples (<c>m.update_state(y_true, y_pred[, sample_weight])</c>,
/// <c>m.result()</c>), each with a fresh metric, plus the arithmetic behind the less obvious ones. Keras computes in
/// float32, so its printed figures are matched to 6 significant digits.
/// </summary>
public class KerasMetricExamplesTests
{
    private static Tensor T(float[] values, params int[] shape) => Tensor.FromArray(values, shape);
    private static Tensor W(params float[] weights) => Tensor.FromArray(weights, weights.Length);

    private static double Run(Metric metric, Tensor yTrue, Tensor yPred, Tensor? weights = null)
    {
        metric.Update(yTrue, yPred, weights);
        return metric.Result();
    }

    /// <summary>Equal to <paramref name="expected"/> within 2e−6 of its size (Keras's float32 figures).</summary>
    private static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 2e-6 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    private static readonly Tensor s_t01 = T([0f, 1, 0, 0], 2, 2);
    private static readonly Tensor s_p11 = T([1f, 1, 0, 0], 2, 2);
    private static readonly Tensor s_p64 = T([0.6f, 0.4f, 0.4f, 0.6f], 2, 2);

    [Fact]
    public void RegressionMetrics()
    {
        Near(0.5, Run(new RootMeanSquaredError(), s_t01, s_p11));                 // √((1 + 0)/2 / 2)
        Near(0.70710677, Run(new RootMeanSquaredError(), s_t01, s_p11, W(1, 0)));
        Near(250000000.0, Run(new Lm.MeanAbsolutePercentageError(), s_t01, s_p11)); // 100·(1/1e−7)/2/2
        Near(500000000.0, Run(new Lm.MeanAbsolutePercentageError(), s_t01, s_p11, W(1, 0)));
        Near(0.12011322, Run(new Lm.MeanSquaredLogarithmicError(), s_t01, s_p11));  // (log 2 − log(1 + 1e−7))²/2/2
        Near(0.24022643, Run(new Lm.MeanSquaredLogarithmicError(), s_t01, s_p11, W(1, 0)));
        Near(0.10844523, Run(new LogCoshError(), s_t01, s_p11));                   // log(cosh 1)/2/2
        Near(0.21689045, Run(new LogCoshError(), s_t01, s_p11, W(1, 0)));
        Near(0.49999997, Run(new Lm.Poisson(), s_t01, s_p11));                     // (1 + 1 − log(1 + 1e−7))/2/2
        Near(0.99999994, Run(new Lm.Poisson(), s_t01, s_p11, W(1, 0)));
        var t = T([0f, 1, 1, 1], 2, 2);
        var p = T([1f, 0, 1, 1], 2, 2);
        Near(0.49999997, Run(new Lm.CosineSimilarity(), t, p));                     // rows: 0 and 1
        Near(0.6999999, Run(new Lm.CosineSimilarity(), t, p, W(0.3f, 0.7f)));
        // R²: ȳ = 8/3, Σ(y − ȳ)² = 42/9, Σ(y − ŷ)² = 2 → 1 − 2·9/42 = 4/7.
        Near(0.57142854, Run(new R2Score(), T([1f, 4, 3], 3, 1), T([2f, 4, 4], 3, 1)));
    }

    [Fact]
    public void ProbabilisticMetrics()
    {
        Near(0.45814306, Run(new Lm.KLDivergence(), s_t01, s_p64));                // log(1/0.4)/2 and ≈0
        Near(0.9162892, Run(new Lm.KLDivergence(), s_t01, s_p64, W(1, 0)));
        Near(0.81492424, Run(new Lm.BinaryCrossentropy(), s_t01, s_p64));          // (2·−log 0.4 − log 0.6 − log 0.4)/4
        Near(0.9162905, Run(new Lm.BinaryCrossentropy(), s_t01, s_p64, W(1, 0)));
        var oneHot = T([0f, 1, 0, 0, 0, 1], 2, 3);
        var labels = Tensor.FromArray(new[] { 1, 2 }, 2);
        var probs = T([0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f], 2, 3);
        Near(1.1769392, Run(new Lm.CategoricalCrossentropy(), oneHot, probs));     // (−log 0.95 − log 0.1)/2
        Near(1.6271976, Run(new Lm.CategoricalCrossentropy(), oneHot, probs, W(0.3f, 0.7f)));
        Near(1.1769392, Run(new Lm.SparseCategoricalCrossentropy(), labels, probs));
        Near(1.6271976, Run(new Lm.SparseCategoricalCrossentropy(), labels, probs, W(0.3f, 0.7f)));
    }

    [Fact]
    public void HingeMetrics()
    {
        // 0/1 targets become −1/1: row 0 max(1 + 0.6, 0), max(1 − 0.4, 0) → 1.1; row 1 1.4, 1.6 → 1.5.
        Near(1.3, Run(new Lm.Hinge(), s_t01, s_p64));
        Near(1.1, Run(new Lm.Hinge(), s_t01, s_p64, W(1, 0)));
        Near(1.86, Run(new Lm.SquaredHinge(), s_t01, s_p64));                      // (2.56 + 0.36)/2, (1.96 + 2.56)/2
        Near(1.46, Run(new Lm.SquaredHinge(), s_t01, s_p64, W(1, 0)));
        Near(1.4000001, Run(new Lm.CategoricalHinge(), s_t01, s_p64));             // 0.6 − 0.4 + 1, 0.6 − 0 + 1
        Near(1.2, Run(new Lm.CategoricalHinge(), s_t01, s_p64, W(1, 0)));
    }

    [Fact]
    public void SparseTopK()
    {
        var labels = Tensor.FromArray(new[] { 2, 1 }, 2);
        var scores = T([0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0], 2, 3);
        Near(0.5, Run(new SparseTopKCategoricalAccuracy(k: 1), labels, scores));
        Near(0.3, Run(new SparseTopKCategoricalAccuracy(k: 1), labels, scores, W(0.7f, 0.3f)));
        Near(1.0, Run(new SparseTopKCategoricalAccuracy(k: 2), labels, scores));
        // Sorted ids: row 0's top two are classes 1, 2; row 1's 1, 0.
        var ids = T([1f, 2, 0, 1, 0, 2], 2, 3);
        Near(0.5, Run(new SparseTopKCategoricalAccuracy(k: 1, fromSortedIds: true), labels, ids));
        Near(1.0, Run(new SparseTopKCategoricalAccuracy(k: 2, fromSortedIds: true), labels, ids));
    }

    [Fact]
    public void FScores()
    {
        var t = Tensor.FromArray(new[] { 1, 1, 1, 1, 0, 0, 1, 1, 0 }, 3, 3);
        var p = T([0.2f, 0.6f, 0.7f, 0.2f, 0.6f, 0.6f, 0.6f, 0.8f, 0f], 3, 3);
        var f2 = new FBetaScore(beta: 2f, threshold: 0.5f);
        f2.Update(t, p);
        var expected = new[] { 0.3846154, 0.90909094, 0.8333334 };                 // class 0: P 1, R 1/3 → 5·(1/3)/(4 + 1/3)
        var scores = f2.ClassResults();
        for (int c = 0; c < 3; c++) Near(expected[c], scores[c]);
        Near(expected.Average(), f2.Result());
        var f1 = new F1Score(threshold: 0.5f);
        f1.Update(t, p);
        var f1Expected = new[] { 0.5, 0.8, 0.6666667 };
        for (int c = 0; c < 3; c++) Near(f1Expected[c], f1.ClassResults()[c]);
    }

    [Fact]
    public void IoUs()
    {
        var t = T([0f, 0, 1, 1], 4);
        var p = T([0f, 1, 0, 1], 4);
        var w = W(0.3f, 0.3f, 0.3f, 0.1f);
        Near(0.33333334, Run(new IoU(2, [0]), t, p));
        Near(0.33333325, Run(new IoU(2, [0]), t, p, w));                          // 0.3 / (0.6 + 0.6 − 0.3)
        Near(0.33333334, Run(new MeanIoU(2), t, p));
        Near(0.23809525, Run(new MeanIoU(2), t, p, w));                            // (1/3 + 0.1/0.7)/2
        var binaryT = T([0f, 1, 0, 1], 4);
        var binaryP = T([0.1f, 0.2f, 0.4f, 0.7f], 4);
        Near(0.33333334, Run(new BinaryIoU([0, 1], 0.3f), binaryT, binaryP));
        Near(0.17361112, Run(new BinaryIoU([0, 1], 0.3f), binaryT, binaryP, W(0.2f, 0.3f, 0.4f, 0.1f))); // (0.2/0.9 + 0.1/0.8)/2
        // One-hot targets: true 2, 0, 1, 0; argmax predictions 2, 2, 0, 2; weights 0.1..0.4. Class 2: 0.1 / (0.1 + 0.7 − 0.1).
        var oneHot = T([0f, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0], 4, 3);
        var scores = T([0.2f, 0.3f, 0.5f, 0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.1f, 0.1f, 0.4f, 0.5f], 4, 3);
        var w4 = W(0.1f, 0.2f, 0.3f, 0.4f);
        Near(0.07142857, Run(new OneHotIoU(3, [0, 2]), oneHot, scores, w4));
        Near(0.047619034, Run(new OneHotMeanIoU(3), oneHot, scores, w4));
    }

    [Fact]
    public void RatesAtARateOfTheOther()
    {
        var t = T([0f, 0, 0, 1, 1], 5);
        var p = T([0f, 0.3f, 0.8f, 0.3f, 0.8f], 5);
        // Between 0.3 and 0.8 the threshold predicts the two 0.8s: tp 1, fp 1, tn 2, fn 1.
        Near(0.5, Run(new PrecisionAtRecall(0.5f), t, p));
        Near(0.33333333, Run(new PrecisionAtRecall(0.5f), t, p, W(2, 2, 2, 1, 1)));
        Near(0.5, Run(new SensitivityAtSpecificity(0.5f), t, p));
        Near(0.333333, Run(new SensitivityAtSpecificity(0.5f), t, p, W(1, 1, 2, 2, 1)));
        Near(0.66666667, Run(new SpecificityAtSensitivity(0.5f), t, p));
        Near(0.5, Run(new SpecificityAtSensitivity(0.5f), t, p, W(1, 1, 2, 2, 2)));
        var t4 = T([0f, 0, 1, 1], 4);
        var p4 = T([0f, 0.5f, 0.3f, 0.9f], 4);
        Near(0.5, Run(new RecallAtPrecision(0.8f), t4, p4));
        Near(1.0, Run(new RecallAtPrecision(0.8f), t4, p4, W(1, 0, 0, 1)));         // 0.9 alone predicted: recall 1, precision 1
    }

    [Fact]
    public void ConfusionCounts()
    {
        var sw = W(0, 0, 1, 0);
        Near(2, Run(new TruePositives(), T([0f, 1, 1, 1], 4), T([1f, 0, 1, 1], 4)));
        Near(1, Run(new TruePositives(), T([0f, 1, 1, 1], 4), T([1f, 0, 1, 1], 4), sw));
        Near(2, Run(new FalsePositives(), T([0f, 1, 0, 0], 4), T([0f, 0, 1, 1], 4)));
        Near(1, Run(new FalsePositives(), T([0f, 1, 0, 0], 4), T([0f, 0, 1, 1], 4), sw));
        Near(2, Run(new FalseNegatives(), T([0f, 1, 1, 1], 4), T([0f, 1, 0, 0], 4)));
        Near(1, Run(new FalseNegatives(), T([0f, 1, 1, 1], 4), T([0f, 1, 0, 0], 4), sw));
        Near(2, Run(new TrueNegatives(), T([0f, 1, 0, 0], 4), T([1f, 1, 0, 0], 4)));
        Near(1, Run(new TrueNegatives(), T([0f, 1, 0, 0], 4), T([1f, 1, 0, 0], 4), sw));
        // Several thresholds: one count each, in the order given.
        var tp = new TruePositives([0.1f, 0.5f, 0.95f]);
        tp.Update(T([1f, 1, 1, 0], 4), T([0.2f, 0.6f, 0.99f, 0.9f], 4));
        Assert.Equal(new[] { 3.0, 2.0, 1.0 }, tp.Results());
        Assert.Equal(3.0, tp.Result());
    }

    [Fact]
    public void MeanAndSum()
    {
        var values = T([1f, 3, 5, 7], 4);
        var mean = new Mean();
        mean.Update(values);
        Near(4, mean.Result());
        mean.Reset();
        mean.Update(values, W(1, 1, 0, 0));
        Near(2, mean.Result());
        var sum = new Sum();
        sum.Update(values);
        Near(16, sum.Result());
        sum.Reset();
        sum.Update(values, W(1, 1, 0, 0));
        Near(4, sum.Result());
    }
}
