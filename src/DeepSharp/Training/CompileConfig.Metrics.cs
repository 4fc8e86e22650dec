using System.Text.Json.Nodes;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using Lm = DeepSharp.Metrics.LossMetrics;

namespace DeepSharp.Training;

/// <summary>The metrics of a compile config: each DeepSharp metric as Keras's <c>{"class_name", "config"}</c> with Keras's setting names.</summary>
internal static partial class CompileConfig
{
    private const int MaxIoUClasses = 2048, MaxThresholds = 1 << 16;

    private static JsonObject? WriteMetric(Metric m)
    {
        var c = new JsonObject();
        switch (m)
        {
            case BinaryAccuracy b: c["threshold"] = b.Threshold; break;
            case TopKCategoricalAccuracy t when LogName(t.Name): (c["k"], c["name"]) = (t.K, t.Name); break;
            case SparseTopKCategoricalAccuracy t when LogName(t.Name): (c["k"], c["name"], c["from_sorted_ids"]) = (t.K, t.Name, t.FromSortedIds); break;
            case Precision p: c["threshold"] = p.Threshold; break;
            case Recall r: c["threshold"] = r.Threshold; break;
            case Auc a: c["num_thresholds"] = a.Thresholds.Count; break;
            case F1Score f: (c["average"], c["threshold"]) = (f.Average.ToString(), f.Threshold); break;
            case FBetaScore f: (c["average"], c["beta"], c["threshold"]) = (f.Average.ToString(), f.Beta, f.Threshold); break;
            case CorrelationMetric r: c["axis"] = r.Axis; break;
            case R2Score r: (c["class_aggregation"], c["num_regressors"]) = (Aggregation(r.ClassAggregation), r.NumRegressors); break;
            case Lm.BinaryCrossentropy b: (c["from_logits"], c["label_smoothing"]) = (b.FromLogits, b.LabelSmoothing); break;
            case Lm.CategoricalCrossentropy b: (c["from_logits"], c["label_smoothing"], c["axis"]) = (b.FromLogits, b.LabelSmoothing, b.Axis); break;
            case Lm.CosineSimilarity b: c["axis"] = b.Axis; break;
            case Lm.SparseCategoricalCrossentropy b: (c["from_logits"], c["ignore_class"], c["axis"]) = (b.FromLogits, b.IgnoreClass, b.Axis); break;
            case BinaryIoU b: (c["target_class_ids"], c["threshold"]) = (Ints(b.TargetClassIds), b.Threshold); break;
            case MeanIoU u: (c["num_classes"], c["ignore_class"], c["sparse_y_true"], c["sparse_y_pred"]) = (u.NumClasses, u.IgnoreClass, u.SparseYTrue, u.SparseYPred); break;
            case OneHotIoU u: (c["num_classes"], c["target_class_ids"], c["ignore_class"], c["sparse_y_pred"]) = (u.NumClasses, Ints(u.TargetClassIds), u.IgnoreClass, u.SparseYPred); break;
            case OneHotMeanIoU u: (c["num_classes"], c["ignore_class"], c["sparse_y_pred"]) = (u.NumClasses, u.IgnoreClass, u.SparseYPred); break;
            case IoU u when u.GetType() == typeof(IoU):
                (c["num_classes"], c["target_class_ids"], c["ignore_class"]) = (u.NumClasses, Ints(u.TargetClassIds), u.IgnoreClass);
                (c["sparse_y_true"], c["sparse_y_pred"]) = (u.SparseYTrue, u.SparseYPred);
                break;
            case PrecisionAtRecall p: (c["recall"], c["num_thresholds"], c["class_id"]) = (p.Recall, p.Thresholds.Count, p.ClassId); break;
            case RecallAtPrecision p: (c["precision"], c["num_thresholds"], c["class_id"]) = (p.Precision, p.Thresholds.Count, p.ClassId); break;
            case SensitivityAtSpecificity p: (c["specificity"], c["num_thresholds"], c["class_id"]) = (p.Specificity, p.Thresholds.Count, p.ClassId); break;
            case SpecificityAtSensitivity p: (c["sensitivity"], c["num_thresholds"], c["class_id"]) = (p.Sensitivity, p.Thresholds.Count, p.ClassId); break;
            case ConfusionCount k:
                var thresholds = new JsonArray();
                foreach (float t in k.Thresholds) thresholds.Add((JsonNode)t);
                c["thresholds"] = thresholds;
                break;
            case Accuracy or CategoricalAccuracy or SparseCategoricalAccuracy or Metrics.MeanSquaredError or Metrics.MeanAbsoluteError
                or RootMeanSquaredError or LogCoshError or Lm.MeanAbsolutePercentageError or Lm.MeanSquaredLogarithmicError
                or Lm.Poisson or Lm.KLDivergence or Lm.Hinge or Lm.CategoricalHinge:
                break;
            default: return IsOwn(m) ? null : Custom(m.ClassName, m.GetConfig(), "metric", IsBuiltInMetric);
        }
        return new JsonObject { ["class_name"] = m.GetType().Name, ["config"] = c };
    }

    private static Metric ReadMetric(JsonNode node)
    {
        var (name, c) = Class(node, "metric");
        float Threshold() => Finite(c["threshold"], "threshold");
        float? OptionalThreshold() => c["threshold"] is null ? null : Threshold();
        bool Bool(string key) => (c[key] ?? throw new FormatException($"metric setting '{key}' is missing")).GetValue<bool>();
        int? OptionalInt(string key) => c[key] is null ? null : c[key]!.GetValue<int>();
        int Classes() => Int(c["num_classes"], "num_classes", MaxIoUClasses);
        int Thresholds() => Int(c["num_thresholds"], "num_thresholds", MaxThresholds);
        int Axis() => OneAxis(c["axis"]);
        return name switch
        {
            nameof(Accuracy) => new Accuracy(),
            nameof(BinaryAccuracy) => new BinaryAccuracy(Threshold()),
            nameof(CategoricalAccuracy) => new CategoricalAccuracy(),
            nameof(SparseCategoricalAccuracy) => new SparseCategoricalAccuracy(),
            nameof(TopKCategoricalAccuracy) => new TopKCategoricalAccuracy(Int(c["k"], "k", 1 << 20), Text(c["name"], "name")),
            nameof(SparseTopKCategoricalAccuracy) => new SparseTopKCategoricalAccuracy(Int(c["k"], "k", 1 << 20), Text(c["name"], "name"), c["from_sorted_ids"]?.GetValue<bool>() ?? false),
            nameof(Precision) => new Precision(Threshold()),
            nameof(Recall) => new Recall(Threshold()),
            nameof(Auc) => new Auc(Thresholds()),
            nameof(F1Score) => new F1Score(Average(c["average"], name), OptionalThreshold()),
            nameof(FBetaScore) => new FBetaScore(Average(c["average"], name), Finite(c["beta"], "beta"), OptionalThreshold()),
            nameof(R2Score) => new R2Score(Aggregation(c["class_aggregation"]), Int(c["num_regressors"], "num_regressors", int.MaxValue)),
            nameof(PearsonCorrelation) => new PearsonCorrelation(Axis()),
            nameof(ConcordanceCorrelation) => new ConcordanceCorrelation(Axis()),
            nameof(Metrics.MeanSquaredError) => new Metrics.MeanSquaredError(),
            nameof(Metrics.MeanAbsoluteError) => new Metrics.MeanAbsoluteError(),
            nameof(RootMeanSquaredError) => new RootMeanSquaredError(),
            nameof(LogCoshError) => new LogCoshError(),
            nameof(Lm.MeanAbsolutePercentageError) => new Lm.MeanAbsolutePercentageError(),
            nameof(Lm.MeanSquaredLogarithmicError) => new Lm.MeanSquaredLogarithmicError(),
            nameof(Lm.CosineSimilarity) => new Lm.CosineSimilarity(Axis()),
            nameof(Lm.Poisson) => new Lm.Poisson(),
            nameof(Lm.KLDivergence) => new Lm.KLDivergence(),
            nameof(Lm.BinaryCrossentropy) => new Lm.BinaryCrossentropy(Bool("from_logits"), Finite(c["label_smoothing"], "label_smoothing")),
            nameof(Lm.CategoricalCrossentropy) => new Lm.CategoricalCrossentropy(Bool("from_logits"), Finite(c["label_smoothing"], "label_smoothing"), Axis()),
            nameof(Lm.SparseCategoricalCrossentropy) => new Lm.SparseCategoricalCrossentropy(Bool("from_logits"), OptionalInt("ignore_class"), Axis()),
            nameof(Lm.Hinge) => new Lm.Hinge(),
            nameof(Lm.SquaredHinge) => new Lm.SquaredHinge(),
            nameof(Lm.CategoricalHinge) => new Lm.CategoricalHinge(),
            nameof(IoU) => new IoU(Classes(), IntList(c["target_class_ids"], "target_class_ids"), OptionalInt("ignore_class"), Bool("sparse_y_true"), Bool("sparse_y_pred")),
            nameof(MeanIoU) => new MeanIoU(Classes(), OptionalInt("ignore_class"), Bool("sparse_y_true"), Bool("sparse_y_pred")),
            nameof(BinaryIoU) => new BinaryIoU(IntList(c["target_class_ids"], "target_class_ids"), Threshold()),
            nameof(OneHotIoU) => new OneHotIoU(Classes(), IntList(c["target_class_ids"], "target_class_ids"), OptionalInt("ignore_class"), Bool("sparse_y_pred")),
            nameof(OneHotMeanIoU) => new OneHotMeanIoU(Classes(), OptionalInt("ignore_class"), Bool("sparse_y_pred")),
            nameof(PrecisionAtRecall) => new PrecisionAtRecall(Finite(c["recall"], "recall"), Thresholds(), OptionalInt("class_id")),
            nameof(RecallAtPrecision) => new RecallAtPrecision(Finite(c["precision"], "precision"), Thresholds(), OptionalInt("class_id")),
            nameof(SensitivityAtSpecificity) => new SensitivityAtSpecificity(Finite(c["specificity"], "specificity"), Thresholds(), OptionalInt("class_id")),
            nameof(SpecificityAtSensitivity) => new SpecificityAtSensitivity(Finite(c["sensitivity"], "sensitivity"), Thresholds(), OptionalInt("class_id")),
            nameof(TruePositives) => new TruePositives(FloatList(c["thresholds"], "thresholds")),
            nameof(TrueNegatives) => new TrueNegatives(FloatList(c["thresholds"], "thresholds")),
            nameof(FalsePositives) => new FalsePositives(FloatList(c["thresholds"], "thresholds")),
            nameof(FalseNegatives) => new FalseNegatives(FloatList(c["thresholds"], "thresholds")),
            _ => (Metric)MakeCustom("metric", "AddMetric", name, c),
        };
    }

    private static readonly string[] s_builtInMetrics =
    [
        nameof(Accuracy), nameof(BinaryAccuracy), nameof(CategoricalAccuracy), nameof(SparseCategoricalAccuracy), nameof(TopKCategoricalAccuracy),
        nameof(SparseTopKCategoricalAccuracy), nameof(Precision), nameof(Recall), nameof(Auc), nameof(F1Score), nameof(FBetaScore), nameof(R2Score),
        nameof(Metrics.MeanSquaredError), nameof(Metrics.MeanAbsoluteError), nameof(RootMeanSquaredError), nameof(LogCoshError),
        nameof(Lm.MeanAbsolutePercentageError), nameof(Lm.MeanSquaredLogarithmicError), nameof(Lm.CosineSimilarity), nameof(Lm.Poisson), nameof(Lm.KLDivergence),
        nameof(Lm.BinaryCrossentropy), nameof(Lm.CategoricalCrossentropy), nameof(Lm.SparseCategoricalCrossentropy),
        nameof(Lm.Hinge), nameof(Lm.SquaredHinge), nameof(Lm.CategoricalHinge),
        nameof(IoU), nameof(MeanIoU), nameof(BinaryIoU), nameof(OneHotIoU), nameof(OneHotMeanIoU),
        nameof(PrecisionAtRecall), nameof(RecallAtPrecision), nameof(SensitivityAtSpecificity), nameof(SpecificityAtSensitivity),
        nameof(TruePositives), nameof(TrueNegatives), nameof(FalsePositives), nameof(FalseNegatives), nameof(Mean), nameof(Sum),
        nameof(PearsonCorrelation), nameof(ConcordanceCorrelation),
    ];

    /// <summary>Whether a compile config's metric class name is DeepSharp's own.</summary>
    public static bool IsBuiltInMetric(string name) => s_builtInMetrics.Contains(name);

    /// <summary>Whether a metric's log name can be kept in the file (printable, of a layer name's length).</summary>
    private static bool LogName(string name) => name.Length <= LayerConfig.MaxString && Naming.TextProblem(name) is null;

    private static F1Average Average(JsonNode? node, string metric)
    {
        string text = node?.GetValue<string>() ?? throw new FormatException($"{metric} needs 'average'");
        foreach (var a in Enum.GetValues<F1Average>())
            if (a.ToString() == text) return a;
        throw new FormatException($"{metric} average '{TerminalText.Escape(text)}' is unknown; known: {string.Join(", ", Enum.GetNames<F1Average>())}");
    }

    /// <summary>Keras's class_aggregation: "uniform_average", "variance_weighted_average", or null.</summary>
    private static string? Aggregation(R2ClassAggregation a) => a switch
    {
        R2ClassAggregation.UniformAverage => "uniform_average",
        R2ClassAggregation.VarianceWeightedAverage => "variance_weighted_average",
        _ => null,
    };

    private static R2ClassAggregation Aggregation(JsonNode? node) => node?.GetValue<string>() switch
    {
        null => R2ClassAggregation.None,
        "uniform_average" => R2ClassAggregation.UniformAverage,
        "variance_weighted_average" => R2ClassAggregation.VarianceWeightedAverage,
        var other => throw new FormatException($"R2Score class_aggregation '{TerminalText.Escape(other)}' is unknown; known: uniform_average, variance_weighted_average, null"),
    };

    private static JsonArray Ints(IReadOnlyList<int> values)
    {
        var a = new JsonArray();
        foreach (int v in values) a.Add((JsonNode)v);
        return a;
    }

    private static int[] IntList(JsonNode? node, string what)
    {
        var a = node as JsonArray ?? throw new FormatException($"'{what}' is not a list");
        if (a.Count > MaxIoUClasses) throw new FormatException($"'{what}' lists {a.Count} values; at most {MaxIoUClasses} are read");
        return [.. a.Select(v => (v ?? throw new FormatException($"'{what}' holds null")).GetValue<int>())];
    }

    private static float[] FloatList(JsonNode? node, string what)
    {
        var a = node as JsonArray ?? throw new FormatException($"'{what}' is not a list");
        if (a.Count > MaxThresholds) throw new FormatException($"'{what}' lists {a.Count} values; at most {MaxThresholds} are read");
        return [.. a.Select(v => Finite(v, what))];
    }
}
