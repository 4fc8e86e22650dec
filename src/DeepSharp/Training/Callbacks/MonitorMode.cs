namespace DeepSharp.Training.Callbacks;

/// <summary>Whether a monitored value should fall (Min) or rise (Max); Auto picks Max for accuracy/AUC names.</summary>
public enum MonitorMode { Auto, Min, Max }

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
