namespace DeepSharp.Metrics;

public abstract partial class Metric
{
    private static readonly (string[] Names, Func<Metric> Create)[] s_byName =
    [
        (["accuracy", "acc"], () => new Accuracy()),
        (["binary_accuracy"], () => new BinaryAccuracy()),
        (["categorical_accuracy"], () => new CategoricalAccuracy()),
        (["sparse_categorical_accuracy"], () => new SparseCategoricalAccuracy()),
        (["top_k_categorical_accuracy"], () => new TopKCategoricalAccuracy()),
        (["precision"], () => new Precision()),
        (["recall"], () => new Recall()),
        (["auc"], () => new Auc()),
        (["f1_score"], () => new F1Score()),
        (["mean_squared_error", "mse"], () => new MeanSquaredError()),
        (["mean_absolute_error", "mae"], () => new MeanAbsoluteError()),
        (["root_mean_squared_error"], () => new RootMeanSquaredError()),
        (["mean_absolute_percentage_error", "mape"], () => new LossMetrics.MeanAbsolutePercentageError()),
        (["mean_squared_logarithmic_error", "msle"], () => new LossMetrics.MeanSquaredLogarithmicError()),
        (["cosine_similarity"], () => new LossMetrics.CosineSimilarity()),
        (["log_cosh_error", "logcosh"], () => new LogCoshError()),
        (["poisson"], () => new LossMetrics.Poisson()),
        (["kl_divergence"], () => new LossMetrics.KLDivergence()),
        (["binary_crossentropy", "bce"], () => new LossMetrics.BinaryCrossentropy()),
        (["categorical_crossentropy"], () => new LossMetrics.CategoricalCrossentropy()),
        (["sparse_categorical_crossentropy"], () => new LossMetrics.SparseCategoricalCrossentropy()),
        (["hinge"], () => new LossMetrics.Hinge()),
        (["squared_hinge"], () => new LossMetrics.SquaredHinge()),
        (["categorical_hinge"], () => new LossMetrics.CategoricalHinge()),
        (["sparse_top_k_categorical_accuracy"], () => new SparseTopKCategoricalAccuracy()),
        (["r2_score"], () => new R2Score()),
        (["fbeta_score"], () => new FBetaScore()),
        (["binary_iou"], () => new BinaryIoU()),
        (["true_positives"], () => new TruePositives()),
        (["true_negatives"], () => new TrueNegatives()),
        (["false_positives"], () => new FalsePositives()),
        (["false_negatives"], () => new FalseNegatives()),
        (["pearson_correlation"], () => new PearsonCorrelation()),
        (["concordance_correlation"], () => new ConcordanceCorrelation()),
    ];

    /// <summary>
    /// A new metric with Keras's defaults from its Keras name, as <c>keras.metrics.get</c>: "accuracy" ("acc";
    /// resolved by the loss as Keras does), "binary_accuracy", "categorical_accuracy",
    /// "sparse_categorical_accuracy", "top_k_categorical_accuracy", "precision", "recall", "auc", "f1_score",
    /// "mean_squared_error" ("mse"), "mean_absolute_error" ("mae"), "root_mean_squared_error",
    /// "mean_absolute_percentage_error" ("mape"), "mean_squared_logarithmic_error" ("msle"), "cosine_similarity",
    /// "log_cosh_error" ("logcosh"), "poisson", "kl_divergence", "binary_crossentropy" ("bce"), "categorical_crossentropy",
    /// "sparse_categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "sparse_top_k_categorical_accuracy",
    /// "r2_score", "fbeta_score", "binary_iou", "true_positives", "true_negatives", "false_positives", "false_negatives",
    /// "pearson_correlation", "concordance_correlation" (Keras's class names in snake case; the metrics that need an argument, such as MeanIoU's class count, have none).
    /// Case and underscores are ignored, so Keras's class names ("RootMeanSquaredError") work too. Logs use the
    /// metric's <see cref="Name"/> ("mse" logs as mean_squared_error).
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of these; the message lists them.</exception>
    public static Metric FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = Key(name);
        foreach (var (names, create) in s_byName)
            if (names.Any(n => Key(n) == key)) return create();
        throw new ArgumentException($"Unknown metric '{TerminalText.Escape(name)}'; known: {string.Join(", ", s_byName.SelectMany(m => m.Names))}. " +
            "A metric of your own derives from Metric (docs/custom.md).", nameof(name));
    }

    /// <summary>
    /// Keras's <c>metrics=["accuracy"]</c>: a name converts to <see cref="FromName"/>'s metric, so
    /// <c>model.Compile("adam", "binary_crossentropy", ["accuracy", "auc"])</c> compiles.
    /// </summary>
    public static implicit operator Metric(string name) => FromName(name);

    private static string Key(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
