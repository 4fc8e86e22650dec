using DeepSharp.Metrics;
using DeepSharp.Tensors;
using Lm = DeepSharp.Metrics.LossMetrics;

namespace DeepSharp.Tests.Metrics;

/// <summary>
/// The streaming contract of the Keras 3 metrics added to the classics: several batches give what one batch of the same
/// samples gives, Reset starts over, a sample of weight 2 counts as the sample twice and 0 as absent, GetState totals
/// add up across ranks, and bad shapes fail naming the metric and both shapes.
/// </summary>
public class MetricStreamingTests
{
    private const int N = 12;

    /// <summary>Data of one kind: binary (12, 3), one-hot (12, 4), labels (12,) with scores (12, 4), or regression (12, 3).</summary>
    private static (Tensor YTrue, Tensor YPred) Data(string kind, int seed = 1)
    {
        var rng = new Random(seed);
        float U() => 0.05f + 0.9f * (float)rng.NextDouble();
        switch (kind)
        {
            case "binary":
                return (Tensor.FromArray([.. Enumerable.Range(0, N * 3).Select(_ => rng.Next(2) * 1f)], N, 3),
                    Tensor.FromArray([.. Enumerable.Range(0, N * 3).Select(_ => U())], N, 3));
            case "onehot":
            case "labels":
                var labels = Enumerable.Range(0, N).Select(_ => rng.Next(4)).ToArray();
                var scores = new float[N * 4];
                for (int i = 0; i < N; i++)
                {
                    float total = 0;
                    for (int c = 0; c < 4; c++) total += scores[i * 4 + c] = U();
                    for (int c = 0; c < 4; c++) scores[i * 4 + c] /= total;
                }
                var yPred = Tensor.FromArray(scores, N, 4);
                if (kind == "labels") return (Tensor.FromArray(labels, N), yPred);
                var oneHot = new float[N * 4];
                for (int i = 0; i < N; i++) oneHot[i * 4 + labels[i]] = 1;
                return (Tensor.FromArray(oneHot, N, 4), yPred);
            default:
                return (Tensor.FromArray([.. Enumerable.Range(0, N * 3).Select(_ => 3 * U())], N, 3),
                    Tensor.FromArray([.. Enumerable.Range(0, N * 3).Select(_ => 3 * U())], N, 3));
        }
    }

    public static TheoryData<string, string> Cases => new()
    {
        { "rmse", "regression" }, { "mape", "regression" }, { "msle", "regression" }, { "cosine", "regression" },
        { "logcosh", "regression" }, { "poisson", "regression" }, { "r2", "regression" }, { "r2-none", "regression" },
        { "r2-variance", "regression" }, { "kld", "onehot" }, { "bce", "binary" }, { "bce-logits", "binary" },
        { "cce", "onehot" }, { "cce-logits", "onehot" }, { "scce", "labels" }, { "scce-ignore", "labels" },
        { "hinge", "binary" }, { "squared_hinge", "binary" }, { "categorical_hinge", "onehot" },
        { "sparse_top_k", "labels" }, { "fbeta", "onehot" }, { "fbeta-micro", "onehot" }, { "iou", "labels" },
        { "mean_iou", "labels" }, { "binary_iou", "binary" }, { "one_hot_iou", "onehot" }, { "one_hot_mean_iou", "onehot" },
        { "precision_at_recall", "binary" }, { "recall_at_precision", "binary" }, { "sensitivity_at_specificity", "binary" },
        { "specificity_at_sensitivity", "binary" }, { "class_id", "onehot" }, { "tp", "binary" }, { "tn", "binary" },
        { "fp", "binary" }, { "fn", "binary" },
    };

    private static Metric Make(string name) => name switch
    {
        "rmse" => new RootMeanSquaredError(),
        "mape" => new Lm.MeanAbsolutePercentageError(),
        "msle" => new Lm.MeanSquaredLogarithmicError(),
        "cosine" => new Lm.CosineSimilarity(),
        "logcosh" => new LogCoshError(),
        "poisson" => new Lm.Poisson(),
        "r2" => new R2Score(),
        "r2-none" => new R2Score(R2ClassAggregation.None, numRegressors: 2),
        "r2-variance" => new R2Score(R2ClassAggregation.VarianceWeightedAverage),
        "kld" => new Lm.KLDivergence(),
        "bce" => new Lm.BinaryCrossentropy(labelSmoothing: 0.1f),
        "bce-logits" => new Lm.BinaryCrossentropy(fromLogits: true),
        "cce" => new Lm.CategoricalCrossentropy(labelSmoothing: 0.2f),
        "cce-logits" => new Lm.CategoricalCrossentropy(fromLogits: true),
        "scce" => new Lm.SparseCategoricalCrossentropy(),
        "scce-ignore" => new Lm.SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 3),
        "hinge" => new Lm.Hinge(),
        "squared_hinge" => new Lm.SquaredHinge(),
        "categorical_hinge" => new Lm.CategoricalHinge(),
        "sparse_top_k" => new SparseTopKCategoricalAccuracy(2),
        "fbeta" => new FBetaScore(F1Average.Weighted, beta: 0.5f),
        "fbeta-micro" => new FBetaScore(F1Average.Micro, beta: 2f, threshold: 0.3f),
        "iou" => new IoU(4, [1, 3], sparseYPred: false),
        "mean_iou" => new MeanIoU(4, ignoreClass: 0, sparseYPred: false),
        "binary_iou" => new BinaryIoU(threshold: 0.4f),
        "one_hot_iou" => new OneHotIoU(4, [0, 2]),
        "one_hot_mean_iou" => new OneHotMeanIoU(4),
        "precision_at_recall" => new PrecisionAtRecall(0.6f, numThresholds: 50),
        "recall_at_precision" => new RecallAtPrecision(0.4f),
        "sensitivity_at_specificity" => new SensitivityAtSpecificity(0.5f),
        "specificity_at_sensitivity" => new SpecificityAtSensitivity(0.7f, numThresholds: 7),
        "class_id" => new PrecisionAtRecall(0.3f, classId: 2),
        "tp" => new TruePositives([0.3f, 0.6f]),
        "tn" => new TrueNegatives(),
        "fp" => new FalsePositives(0.7f),
        _ => new FalseNegatives(),
    };

    private static Tensor Rows(Tensor t, int start, int count)
    {
        int per = t.Size / t.Shape[0];
        var shape = t.Shape.ToArray();
        shape[0] = count;
        return t.DType == DType.Int32
            ? Tensor.FromArray(t.IntSpan.Slice(start * per, count * per).ToArray(), shape)
            : Tensor.FromArray(t.Span.Slice(start * per, count * per).ToArray(), shape);
    }

    private static readonly float[] s_weights = [1, 2, 0, 1.5f, 1, 0.5f, 3, 1, 0, 2, 1, 1];

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchesAddUpToOneBatchAndResetStartsOver(string name, string kind)
    {
        var (yTrue, yPred) = Data(kind);
        var weights = Tensor.FromArray(s_weights, N);
        var whole = Make(name);
        whole.Update(yTrue, yPred, weights);
        double expected = whole.Result();
        Assert.True(double.IsFinite(expected), $"{name}: {expected}");

        var streamed = Make(name);
        streamed.Update(Rows(yTrue, 0, 5), Rows(yPred, 0, 5), Rows(weights, 0, 5));
        streamed.Update(Rows(yTrue, 5, 7), Rows(yPred, 5, 7), Rows(weights, 5, 7));
        Assert.Equal(expected, streamed.Result(), 9);

        streamed.Reset();
        Assert.Equal(0, streamed.Result());
        streamed.Update(yTrue, yPred, weights);
        Assert.Equal(expected, streamed.Result(), 12);

        // A weight of 2 counts the sample twice; 0 leaves it out.
        var twice = Make(name);
        var doubled = Tensor.FromArray([.. s_weights.Select(w => 2 * w)], N);
        twice.Update(yTrue, yPred, doubled);
        bool count = name is "tp" or "tn" or "fp" or "fn";
        if (name != "r2-none") Assert.Equal(count ? 2 * expected : expected, twice.Result(), 6);   // counts double; means and rates stay // the adjusted R² counts samples, not weights: same nonzero set
        var repeated = Make(name);
        var ones = Tensor.FromArray([.. s_weights.Select(w => w == 0 ? 0f : 1f)], N);
        repeated.Update(yTrue, yPred, ones);
        repeated.Update(yTrue, yPred, ones);
        var once = Make(name);
        once.Update(yTrue, yPred, ones);
        if (name != "r2-none") Assert.Equal(count ? 2 * once.Result() : once.Result(), repeated.Result(), 6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StatesOfTwoRanksAddUpToTheWhole(string name, string kind)
    {
        var (yTrue, yPred) = Data(kind, seed: 2);
        var whole = Make(name);
        if (whole.GetState() is null) return;   // R² and F-beta size their totals on the first batch: not sharded, as F1Score
        whole.Update(yTrue, yPred);
        var (a, b) = (Make(name), Make(name));
        a.Update(Rows(yTrue, 0, 4), Rows(yPred, 0, 4));
        b.Update(Rows(yTrue, 4, 8), Rows(yPred, 4, 8));
        var sa = a.GetState()!;
        var sb = b.GetState()!;
        var sum = sa.Zip(sb, (x, y) => x + y).ToArray();
        var merged = Make(name);
        Assert.True(merged.SetState(sum));
        Assert.Equal(whole.Result(), merged.Result(), 9);
        Assert.False(merged.SetState(new double[sum.Length + 1]));
    }

    [Fact]
    public void MetricsKnowTheirKerasNames()
    {
        var expected = new Dictionary<string, string>
        {
            ["rmse"] = "root_mean_squared_error", ["mape"] = "mean_absolute_percentage_error", ["msle"] = "mean_squared_logarithmic_error",
            ["cosine"] = "cosine_similarity", ["logcosh"] = "logcosh", ["poisson"] = "poisson", ["r2"] = "r2_score", ["kld"] = "kl_divergence",
            ["bce"] = "binary_crossentropy", ["cce"] = "categorical_crossentropy", ["scce"] = "sparse_categorical_crossentropy",
            ["hinge"] = "hinge", ["squared_hinge"] = "squared_hinge", ["categorical_hinge"] = "categorical_hinge",
            ["sparse_top_k"] = "sparse_top_k_categorical_accuracy", ["fbeta"] = "fbeta_score", ["iou"] = "io_u", ["mean_iou"] = "mean_io_u",
            ["binary_iou"] = "binary_io_u", ["one_hot_iou"] = "one_hot_io_u", ["one_hot_mean_iou"] = "one_hot_mean_io_u",
            ["precision_at_recall"] = "precision_at_recall", ["recall_at_precision"] = "recall_at_precision",
            ["sensitivity_at_specificity"] = "sensitivity_at_specificity", ["specificity_at_sensitivity"] = "specificity_at_sensitivity",
            ["tp"] = "true_positives", ["tn"] = "true_negatives", ["fp"] = "false_positives", ["fn"] = "false_negatives",
        };
        foreach (var (key, name) in expected) Assert.Equal(name, Make(key).Name);
        Assert.Equal("mean", new Mean().Name);
        Assert.Equal("sum", new Sum().Name);
        Assert.Equal("loss", new Mean("loss").Name);
    }
}
