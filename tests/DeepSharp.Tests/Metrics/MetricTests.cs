using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Metrics;

/// <summary>Metrics against values counted by hand (the counts are written beside each assertion).</summary>
public class MetricTests
{
    private static double Run(Metric metric, Tensor yTrue, Tensor yPred)
    {
        metric.Update(yTrue, yPred);
        return metric.Result();
    }

    // Three samples, three classes. Argmax predictions: 1, 0, 2; true classes: 1, 2, 2.
    private static readonly Tensor Probs = Tensor.FromArray([0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.3f, 0.5f], 3, 3);
    private static readonly Tensor OneHot = Tensor.FromArray([0f, 1, 0, 0, 0, 1, 0, 0, 1], 3, 3);
    private static readonly Tensor Labels = Tensor.FromArray(new[] { 1, 2, 2 }, 3);

    [Fact]
    public void Accuracies()
    {
        Assert.Equal(2.0 / 3, Run(new CategoricalAccuracy(), OneHot, Probs), 9);        // rows 0 and 2 hit
        Assert.Equal(2.0 / 3, Run(new SparseCategoricalAccuracy(), Labels, Probs), 9);
        Assert.Equal(2.0 / 3, Run(new TopKCategoricalAccuracy(1), OneHot, Probs), 9);  // top-1 is categorical accuracy
    }

    [Fact]
    public void TopKCountsTheTargetAmongTheKLargest()
    {
        // k = 2: row 0 target 1 (rank 1) in; row 1 target 2 (0.2, rank 3) out; row 2 target 2 (rank 1) in.
        Assert.Equal(2.0 / 3, Run(new TopKCategoricalAccuracy(2), OneHot, Probs), 9);
        Assert.Equal(2.0 / 3, Run(new TopKCategoricalAccuracy(2), Labels, Probs), 9);
        Assert.Equal(1.0, Run(new TopKCategoricalAccuracy(), OneHot, Probs), 9);         // k = 5 ≥ classes
    }

    [Fact]
    public void BinaryAccuracyPrecisionRecall()
    {
        var t = Tensor.FromArray([1f, 0, 1, 1, 0, 0], 6, 1);
        var p = Tensor.FromArray([0.9f, 0.6f, 0.4f, 0.8f, 0.1f, 0.5f], 6, 1);
        // predicted positive (> 0.5): 1, 1, 0, 1, 0, 0 → tp 2, fp 1, fn 1, tn 2
        Assert.Equal(4.0 / 6, Run(new BinaryAccuracy(), t, p), 9);
        Assert.Equal(2.0 / 3, Run(new Precision(), t, p), 9);
        Assert.Equal(2.0 / 3, Run(new Recall(), t, p), 9);
        Assert.Equal(1.0, Run(new Precision(0.85f), t, p), 9);                            // only 0.9 is above
    }

    [Fact]
    public void EveryBinaryMetricReadsAPositiveLabelAlike()
    {
        // Soft targets: 0.9 and 0.6 are positive, 0.4 and 0.1 negative (above 0.5 is positive, for every metric).
        var soft = Tensor.FromArray([0.9f, 0.6f, 0.4f, 0.1f], 4, 1);
        var hard = Tensor.FromArray([1f, 1f, 0f, 0f], 4, 1);
        var predictions = Tensor.FromArray([0.8f, 0.3f, 0.7f, 0.2f], 4, 1);
        Metric[] Make() => [new Precision(), new Recall(), new Auc(), new BinaryAccuracy(), new Accuracy()];
        var onSoft = Make();
        var onHard = Make();
        for (int m = 0; m < onSoft.Length; m++)
            Assert.Equal(Run(onHard[m], hard, predictions), Run(onSoft[m], soft, predictions), 12);
        Assert.Equal(0.5, Run(new Precision(), soft, predictions), 12);  // predicted 0 and 2, of which 0 is positive
        Assert.Equal(0.5, Run(new Recall(), soft, predictions), 12);     // positives 0 and 1, of which 0 is predicted
        Assert.Equal(0.5, Run(new BinaryAccuracy(), soft, predictions), 12);
    }

    [Fact]
    public void F1PerClassAndAveraged()
    {
        // Predicted 1, 0, 2 vs true 1, 2, 2. Class 0: tp 0 fp 1 → F1 0. Class 1: tp 1 → F1 1.
        // Class 2: tp 1, fn 1 → P 1, R ½, F1 2/3.
        var f1 = new F1Score();
        f1.Update(OneHot, Probs);
        var perClass = f1.ClassResults();
        Assert.Equal(0, perClass[0], 9);
        Assert.Equal(1, perClass[1], 9);
        Assert.Equal(2.0 / 3, perClass[2], 9);
        Assert.Equal((1 + 2.0 / 3) / 3, f1.Result(), 9);                                   // average None: mean of classes
        Assert.Equal(2.0 / 3, Run(new F1Score(F1Average.Micro), OneHot, Probs), 9);       // tp 2, fp 1, fn 1
        Assert.Equal((1 * 1 + 2 * 2.0 / 3) / 3, Run(new F1Score(F1Average.Weighted), OneHot, Probs), 9); // supports 0, 1, 2
    }

    [Fact]
    public void AucOfAPerfectAndOfAMixedRanking()
    {
        var t = Tensor.FromArray([0f, 0, 1, 1], 4);
        Assert.Equal(1.0, Run(new Auc(), t, Tensor.FromArray([0.1f, 0.4f, 0.6f, 0.9f], 4)), 9);
        // Scores 0.1(n) 0.6(n) 0.4(p) 0.9(p): 3 of the 4 positive–negative pairs are ordered → 0.75.
        Assert.Equal(0.75, Run(new Auc(), t, Tensor.FromArray([0.1f, 0.6f, 0.4f, 0.9f], 4)), 2);
    }

    [Fact]
    public void RegressionMetrics()
    {
        var t = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var p = Tensor.FromArray([1.5f, 2f, 2f, 5f], 2, 2);
        Assert.Equal((0.25 + 0 + 1 + 1) / 4, Run(new DeepSharp.Metrics.MeanSquaredError(), t, p), 6);
        Assert.Equal((0.5 + 0 + 1 + 1) / 4, Run(new DeepSharp.Metrics.MeanAbsoluteError(), t, p), 6);
    }

    [Fact]
    public void ConfusionMatrixCountsTrueByPredicted()
    {
        var m = ConfusionMatrix.FromPredictions(Labels, Probs);
        Assert.Equal(1, m[1, 1]);
        Assert.Equal(1, m[2, 0]);
        Assert.Equal(1, m[2, 2]);
        Assert.Equal(3, m.Cast<long>().Sum());
        Assert.Equal(m, ConfusionMatrix.FromPredictions(OneHot, Probs));
    }
}
