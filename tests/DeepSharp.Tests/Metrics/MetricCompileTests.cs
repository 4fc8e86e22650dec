using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Lm = DeepSharp.Metrics.LossMetrics;

namespace DeepSharp.Tests.Metrics;

/// <summary>
/// The Keras 3 metrics in a model: compiled by their Keras names, logged in Fit's history under Keras's names with the
/// value the metric gives on the model's predictions, kept by a model file with their settings, and refused with a
/// clear message where they do not fit (Mean and Sum in Compile, shapes that do not pair up).
/// </summary>
public sealed class MetricCompileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Tensor s_x = Tensor.RandomUniform(new Shape(16, 3), -1f, 1f, new RandomGenerator(11));

    private static Sequential Net(int units, string activation)
    {
        RandomGenerator.SetGlobalSeed(4);
        return new Sequential(new Dense(5, "tanh", inputShape: [3]), new Dense(units, activation));
    }

    private static Tensor Labels(int classes) => Tensor.FromArray([.. Enumerable.Range(0, 16).Select(i => (i * 7 + i / 3) % classes)], 16);

    private static Tensor OneHot(int classes)
    {
        var labels = Labels(classes).IntSpan;
        var y = new float[16 * classes];
        for (int i = 0; i < 16; i++) y[i * classes + labels[i]] = 1;
        return Tensor.FromArray(y, 16, classes);
    }

    /// <summary>(loss, units, activation, targets, metric names) of the four kinds of task.</summary>
    public static TheoryData<string, string[], string[]> Tasks => new()
    {
        { "binary", ["bce", "hinge", "squared_hinge", "binary_iou", "true_positives", "true_negatives", "false_positives", "false_negatives"],
            ["binary_crossentropy", "hinge", "squared_hinge", "binary_io_u", "true_positives", "true_negatives", "false_positives", "false_negatives"] },
        { "sparse", ["sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy"], ["sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy"] },
        { "onehot", ["categorical_crossentropy", "categorical_hinge", "FBetaScore", "kl_divergence"], ["categorical_crossentropy", "categorical_hinge", "fbeta_score", "kl_divergence"] },
        { "regression", ["root_mean_squared_error", "mape", "msle", "cosine_similarity", "log_cosh_error", "poisson", "r2_score"],
            ["root_mean_squared_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "cosine_similarity", "logcosh", "poisson", "r2_score"] },
    };

    private static (Sequential Model, string Loss, Tensor Y) Task(string kind) => kind switch
    {
        "binary" => (Net(1, "sigmoid"), "binary_crossentropy", Tensor.FromArray([.. Enumerable.Range(0, 16).Select(i => (float)(i % 3 == 0 ? 1 : 0))], 16, 1)),
        "sparse" => (Net(4, "softmax"), "sparse_categorical_crossentropy", Labels(4)),
        "onehot" => (Net(4, "softmax"), "categorical_crossentropy", OneHot(4)),
        _ => (Net(2, "sigmoid"), "mse", Tensor.FromArray([.. Enumerable.Range(0, 32).Select(i => 0.5f + i % 5 * 0.3f)], 16, 2)),
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void CompiledByNameTheHistoryHoldsTheMetricOfThePredictions(string kind, string[] names, string[] logged)
    {
        var (model, loss, y) = Task(kind);
        model.Compile(new Sgd(1e-12f), loss, [.. names.Select(n => (Metric)n)]);   // a rate of ~0: the epoch's batches see one set of weights
        var history = model.Fit(s_x, y, batchSize: 5, epochs: 1, verbose: 0);
        Assert.Equal(["loss", .. logged], history.Values.Keys);
        var predictions = model.Predict(s_x);
        for (int i = 0; i < names.Length; i++)
        {
            var metric = Metric.FromName(names[i]);
            metric.Update(y, predictions);
            Assert.Equal(metric.Result(), history[logged[i]][0], 5);
        }
    }

    [Fact]
    public void AModelFileKeepsEveryMetricWithItsSettings()
    {
        var (model, _, y) = Task("onehot");
        Metric[] metrics =
        [
            new Lm.CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f), new Lm.KLDivergence(), new Lm.CategoricalHinge(),
            new FBetaScore(F1Average.Micro, beta: 0.5f, threshold: 0.3f), new OneHotIoU(4, [1, 2], ignoreClass: 3),
            new OneHotMeanIoU(4, sparseYPred: false), new PrecisionAtRecall(0.4f, 30, classId: 1), new RecallAtPrecision(0.6f, classId: 2),
            new SensitivityAtSpecificity(0.5f, 20, 0), new SpecificityAtSensitivity(0.8f, 10, 3), new TruePositives([0.2f, 0.4f]),
            new FalseNegatives(0.3f), new MeanIoU(4, sparseYTrue: false, sparseYPred: false), new IoU(4, [0, 3], null, false, false),
        ];
        model.Compile(new Adam(), new CategoricalCrossentropy(), metrics,
            [new Lm.BinaryCrossentropy(labelSmoothing: 0.2f), new RootMeanSquaredError(), new R2Score(R2ClassAggregation.VarianceWeightedAverage, 2)]);
        string path = Path.Combine(_temp.Path, "m.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.MetricNames, loaded.MetricNames);
        for (int i = 0; i < metrics.Length; i++) Assert.IsType(metrics[i].GetType(), loaded.Metrics[i]);
        var cce = (Lm.CategoricalCrossentropy)loaded.Metrics[0];
        Assert.Equal((true, 0.1f), (cce.FromLogits, cce.LabelSmoothing));
        var fbeta = (FBetaScore)loaded.Metrics[3];
        Assert.Equal((F1Average.Micro, 0.5f, (float?)0.3f), (fbeta.Average, fbeta.Beta, fbeta.Threshold));
        var iou = (OneHotIoU)loaded.Metrics[4];
        Assert.Equal((4, 3), (iou.NumClasses, iou.IgnoreClass!.Value));
        Assert.Equal([1, 2], iou.TargetClassIds);
        var par = (PrecisionAtRecall)loaded.Metrics[6];
        Assert.Equal((0.4f, 30, (int?)1), (par.Recall, par.Thresholds.Count, par.ClassId));
        Assert.Equal((0.6f, (int?)2), (((RecallAtPrecision)loaded.Metrics[7]).Precision, ((RecallAtPrecision)loaded.Metrics[7]).ClassId));
        Assert.Equal(0.5f, ((SensitivityAtSpecificity)loaded.Metrics[8]).Specificity);
        Assert.Equal(0.8f, ((SpecificityAtSensitivity)loaded.Metrics[9]).Sensitivity);
        Assert.Equal([0.2f, 0.4f], ((TruePositives)loaded.Metrics[10]).Thresholds);
        Assert.Equal([0.3f], ((FalseNegatives)loaded.Metrics[11]).Thresholds);
        Assert.False(((MeanIoU)loaded.Metrics[12]).SparseYTrue);
        Assert.Equal(0.2f, Assert.IsType<Lm.BinaryCrossentropy>(loaded.WeightedMetrics[0]).LabelSmoothing);
        var r2 = Assert.IsType<R2Score>(loaded.WeightedMetrics[2]);
        Assert.Equal((R2ClassAggregation.VarianceWeightedAverage, 2), (r2.ClassAggregation, r2.NumRegressors));
        Assert.Equal(model.Evaluate(s_x, y), loaded.Evaluate(s_x, y));
    }

    [Fact]
    public void TheOtherSettingsRoundTripToo()
    {
        var (model, _, y) = Task("sparse");
        Metric[] metrics =
        [
            new Lm.SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 2), new SparseTopKCategoricalAccuracy(2, name: "top2"),
            new IoU(4, [2], ignoreClass: 0, sparseYPred: false), new MeanIoU(4, sparseYPred: false),
        ];
        model.Compile(new Adam(), "sparse_categorical_crossentropy", metrics);
        string path = Path.Combine(_temp.Path, "s.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(["loss", "sparse_categorical_crossentropy", "top2", "io_u", "mean_io_u"], loaded.MetricNames);
        var scce = (Lm.SparseCategoricalCrossentropy)loaded.Metrics[0];
        Assert.Equal((true, (int?)2), (scce.FromLogits, scce.IgnoreClass));
        Assert.Equal(2, ((SparseTopKCategoricalAccuracy)loaded.Metrics[1]).K);
        var iou = (IoU)loaded.Metrics[2];
        Assert.Equal(((int?)0, true, false), (iou.IgnoreClass, iou.SparseYTrue, iou.SparseYPred));
        Assert.Equal(model.Evaluate(s_x, y), loaded.Evaluate(s_x, y));

        var (binary, _, yb) = Task("binary");
        binary.Compile(new Adam(), "binary_crossentropy", [new BinaryIoU([1], 0.3f), new Lm.Hinge(), new Lm.SquaredHinge()]);
        binary.Save(path);
        var b = Model.Load(path);
        var biou = Assert.IsType<BinaryIoU>(b.Metrics[0]);
        Assert.Equal((0.3f, 1), (biou.Threshold, biou.TargetClassIds.Single()));
        Assert.IsType<Lm.SquaredHinge>(b.Metrics[2]);
        Assert.Equal(binary.Evaluate(s_x, yb), b.Evaluate(s_x, yb));
    }

    [Fact]
    public void MeanAndSumAreForCustomLoopsNotForCompile()
    {
        var (model, loss, _) = Task("regression");
        var e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), loss, [new Mean("loss_tracker")]));
        Assert.Contains("Mean 'loss_tracker'", e.Message);
        var direct = Assert.Throws<InvalidOperationException>(() => new Sum().Update(Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(2)), null));
        Assert.Contains("Update(values", direct.Message);
        Assert.Throws<ArgumentException>(() => Metric.FromName("mean"));
    }

    [Fact]
    public void BadInputNamesTheMetricAndTheShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new RootMeanSquaredError().Update(Tensor.Zeros(new Shape(4)), Tensor.Zeros(new Shape(4, 3))));
        Assert.Contains("RootMeanSquaredError", e.Message);
        Assert.Contains("(4, 3)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new Lm.SparseCategoricalCrossentropy().Update(Tensor.Zeros(new Shape(4, 3)), Tensor.Zeros(new Shape(4, 3))));
        Assert.Contains("SparseCategoricalCrossentropy", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new OneHotIoU(3, [0]).Update(Tensor.Zeros(new Shape(4, 2)), Tensor.Zeros(new Shape(4, 2))));
        Assert.Contains("OneHotIoU", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new R2Score().Update(Tensor.Zeros(new Shape(4, 2)), Tensor.Zeros(new Shape(4, 3))));
        Assert.Contains("(4, 2)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new PrecisionAtRecall(0.5f, classId: 5).Update(Tensor.Zeros(new Shape(4, 3)), Tensor.Zeros(new Shape(4, 3))));
        Assert.Contains("classId 5", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new Mean().Update(Tensor.Zeros(new Shape(4, 3)), Tensor.Zeros(new Shape(5))));
        Assert.Contains("Mean", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new IoU(3, [3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrecisionAtRecall(1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FBetaScore(beta: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new R2Score(numRegressors: -1));
        Assert.Throws<ArgumentException>(() => new TruePositives(Array.Empty<float>()));
    }
}
