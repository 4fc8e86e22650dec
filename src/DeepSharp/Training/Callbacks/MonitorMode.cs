namespace DeepSharp.Training.Callbacks;

/// <summary>Whether a monitored value should fall (Min) or rise (Max); Auto decides from the monitored name.</summary>
public enum MonitorMode
{
    /// <summary>
    /// Decide from the monitored name (a "val_" prefix aside): higher is better for names containing "acc"
    /// (and, except in ReduceLROnPlateau, "auc") and for the Keras metrics whose direction is up (precision,
    /// recall, F-scores, IoUs, R², correlations, cosine similarity, true positives/negatives, the
    /// at-precision/at-recall/at-sensitivity/at-specificity metrics); lower otherwise.
    /// </summary>
    Auto,
    /// <summary>Lower is better (losses, errors).</summary>
    Min,
    /// <summary>Higher is better (accuracy, AUC, precision, recall, F1).</summary>
    Max,
}

internal static class Monitor
{
    // Keras 3's metrics that declare direction "up", by their default names. A logged name is the metric's name,
    // possibly after an output's name and an underscore ("dense_1_precision") and before Keras's "_1" suffix.
    private static readonly string[] s_higherIsBetter =
    [
        "precision", "recall", "f1_score", "fbeta_score", "iou", "mean_iou", "binary_iou", "one_hot_iou", "one_hot_mean_iou",
        "r2_score", "pearson_correlation", "concordance_correlation", "cosine_similarity", "true_positives", "true_negatives",
        "precision_at_recall", "recall_at_precision", "sensitivity_at_specificity", "specificity_at_sensitivity",
    ];

    /// <summary>EarlyStopping's and ModelCheckpoint's "auto" (see <see cref="MonitorMode.Auto"/>; ReduceLROnPlateau keeps Keras's "acc" test).</summary>
    public static bool Maximises(MonitorMode mode, string monitor) => mode switch
    {
        MonitorMode.Max => true,
        MonitorMode.Min => false,
        _ => HigherIsBetter(monitor),
    };

    private static bool HigherIsBetter(string monitor)
    {
        if (monitor.Contains("acc", StringComparison.Ordinal) || monitor.Contains("auc", StringComparison.Ordinal)) return true;
        string name = monitor.StartsWith("val_", StringComparison.Ordinal) ? monitor[4..] : monitor;
        name = WithoutNumberSuffix(name);
        foreach (string up in s_higherIsBetter)
            if (name == up || name.EndsWith("_" + up, StringComparison.Ordinal)) return true;
        return false;
    }

    private static string WithoutNumberSuffix(string name)
    {
        int end = name.Length;
        while (end > 0 && char.IsAsciiDigit(name[end - 1])) end--;
        return end < name.Length && end > 1 && name[end - 1] == '_' ? name[..(end - 1)] : name;
    }
}
