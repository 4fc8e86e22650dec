namespace DeepSharp.Training.Callbacks;

/// <summary>Whether a monitored value should fall (Min) or rise (Max); Auto picks Max for accuracy/AUC names.</summary>
public enum MonitorMode
{
    /// <summary>Decide from the monitored name: higher is better for names containing "acc" (and, except in ReduceLROnPlateau, "auc"); lower otherwise.</summary>
    Auto,
    /// <summary>Lower is better (losses, errors).</summary>
    Min,
    /// <summary>Higher is better (accuracy, AUC, precision, recall, F1).</summary>
    Max,
}

internal static class Monitor
{
    /// <summary>Keras's "auto": max for names containing "acc" or "auc" (EarlyStopping) — min otherwise.</summary>
    public static bool Maximises(MonitorMode mode, string monitor) => mode switch
    {
        MonitorMode.Max => true,
        MonitorMode.Min => false,
        _ => monitor.Contains("acc", StringComparison.Ordinal) || monitor.Contains("auc", StringComparison.Ordinal),
    };
}
