using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Metrics;

/// <summary>
/// Sample weights in every metric, as Keras's <c>sample_weight</c>: a whole weight k counts a sample
/// k times (0 leaves it out), so a weighted update must equal an unweighted one over the repeated rows.
/// </summary>
public class MetricWeightTests
{
    private static readonly int[] Counts = [2, 0, 1, 3, 1, 0];

    private static Tensor Repeat(Tensor t)
    {
        var rows = new List<int>();
        for (int i = 0; i < Counts.Length; i++) rows.AddRange(Enumerable.Repeat(i, Counts[i]));
        return t.GatherRows(rows.ToArray());
    }

    private static Tensor Weights => Tensor.FromArray(Array.ConvertAll(Counts, c => (float)c), Counts.Length);

    // Six samples, three classes: probabilities, one-hot targets, labels.
    private static readonly Tensor Probs = Tensor.FromArray(
        [0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.3f, 0.5f, 0.6f, 0.3f, 0.1f, 0.3f, 0.3f, 0.4f, 0.1f, 0.1f, 0.8f], 6, 3);
    private static readonly Tensor OneHot = Tensor.FromArray([0f, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1], 6, 3);
    private static readonly Tensor Labels = Tensor.FromArray(new[] { 1, 2, 2, 1, 0, 2 }, 6);
    private static readonly Tensor BinaryTargets = Tensor.FromArray([1f, 0, 1, 1, 0, 0], 6, 1);
    private static readonly Tensor BinaryProbs = Tensor.FromArray([0.9f, 0.6f, 0.4f, 0.8f, 0.1f, 0.7f], 6, 1);

    public static TheoryData<string> Names => new(Cases.Keys);

    private static readonly Dictionary<string, (Func<Metric> Create, Tensor YTrue, Tensor YPred)> Cases = new()
    {
        ["accuracy (categorical)"] = (() => new Accuracy(), OneHot, Probs),
        ["accuracy (sparse)"] = (() => new Accuracy(), Labels, Probs),
        ["accuracy (binary)"] = (() => new Accuracy(), BinaryTargets, BinaryProbs),
        ["binary_accuracy"] = (() => new BinaryAccuracy(), BinaryTargets, BinaryProbs),
        ["categorical_accuracy"] = (() => new CategoricalAccuracy(), OneHot, Probs),
        ["sparse_categorical_accuracy"] = (() => new SparseCategoricalAccuracy(), Labels, Probs),
        ["top_2_categorical_accuracy"] = (() => new TopKCategoricalAccuracy(2), Labels, Probs),
        ["mean_squared_error"] = (() => new DeepSharp.Metrics.MeanSquaredError(), OneHot, Probs),
        ["mean_absolute_error"] = (() => new DeepSharp.Metrics.MeanAbsoluteError(), OneHot, Probs),
        ["precision"] = (() => new Precision(), BinaryTargets, BinaryProbs),
        ["recall"] = (() => new Recall(), BinaryTargets, BinaryProbs),
        ["precision (multi-column)"] = (() => new Precision(0.25f), OneHot, Probs),
        ["f1_score"] = (() => new F1Score(), OneHot, Probs),
        ["f1_score (micro)"] = (() => new F1Score(F1Average.Micro), OneHot, Probs),
        ["f1_score (weighted, threshold)"] = (() => new F1Score(F1Average.Weighted, threshold: 0.3f), OneHot, Probs),
        ["auc"] = (() => new Auc(), BinaryTargets, BinaryProbs),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void WholeWeightsEqualRepeatedSamples(string name)
    {
        var (create, yTrue, yPred) = Cases[name];
        var weighted = create();
        weighted.Update(yTrue, yPred, Weights);
        var repeated = create();
        repeated.Update(Repeat(yTrue), Repeat(yPred));
        Assert.Equal(repeated.Result(), weighted.Result(), 9);

        var unweighted = create();
        unweighted.Update(yTrue, yPred);
        Assert.NotEqual(unweighted.Result(), weighted.Result(), 6);                   // the weights matter for these data

        var ones = create();
        ones.Update(yTrue, yPred, Tensor.Full(new Shape(6), 1f));
        Assert.Equal(unweighted.Result(), ones.Result(), 12);                          // weights of 1 change nothing

        var bad = Assert.Throws<ShapeMismatchException>(() => create().Update(yTrue, yPred, Tensor.Full(new Shape(5), 1f)));
        Assert.Contains("one float per sample (6)", bad.Message);
    }

    [Fact]
    public void FractionalWeightsByHand()
    {
        // Accuracy of rows hit, miss, hit with weights 0.5, 2, 1: (0.5 + 1) / 3.5.
        var accuracy = new Accuracy();
        accuracy.Update(Labels.GatherRows([0, 1, 2]), Probs.GatherRows([0, 1, 2]), Tensor.FromArray([0.5f, 2f, 1f], 3));
        Assert.Equal(1.5 / 3.5, accuracy.Result(), 9);
        // Mean squared error of rows with squared errors 1 and 4 (one column), weights 3 and 1: (3 + 4) / 4.
        var mse = new DeepSharp.Metrics.MeanSquaredError();
        mse.Update(Tensor.FromArray([0f, 0f], 2, 1), Tensor.FromArray([1f, 2f], 2, 1), Tensor.FromArray([3f, 1f], 2));
        Assert.Equal(7.0 / 4, mse.Result(), 9);
        // All weights zero: nothing counted, the result is 0 as Keras's divide_no_nan.
        var none = new Accuracy();
        none.Update(Labels, Probs, Tensor.Zeros(6));
        Assert.Equal(0, none.Result());
    }

    [Fact]
    public void WeightedTotalsSurviveACheckpoint()
    {
        var accuracy = new Accuracy();
        accuracy.Update(Labels, Probs, Tensor.FromArray([0.5f, 2f, 1f, 0.25f, 1f, 3f], 6));
        var copy = new Accuracy();
        Assert.True(copy.SetState(accuracy.GetState()));
        Assert.Equal(accuracy.Result(), copy.Result());
        Assert.False(copy.SetState([double.NaN, 1]));
    }
}
