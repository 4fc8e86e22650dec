namespace DeepSharp.Training;

/// <summary>What Fit returns: per-epoch values of the loss and metrics ("loss", "accuracy", "val_loss", ...).</summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);

    /// <summary>Zero-based indices of the epochs recorded.</summary>
    public List<int> Epochs { get; } = [];

    /// <summary>Per-epoch values by name.</summary>
    public IReadOnlyDictionary<string, List<double>> Values => _values;

    /// <summary>The values of <paramref name="name"/> ("loss", "val_accuracy", ...), one per entry of <see cref="Epochs"/>: Keras's <c>history.history[name]</c>.</summary>
    /// <exception cref="KeyNotFoundException">No value of that name was logged; the message lists those that were.</exception>
    public IReadOnlyList<double> this[string name] =>
        _values.TryGetValue(name, out var list) ? list
        : throw new KeyNotFoundException($"History has no '{name}'; it has: {string.Join(", ", _values.Keys)}.");

    internal void Clear()
    {
        Epochs.Clear();
        _values.Clear();
    }

    internal void Record(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        Epochs.Add(epoch);
        foreach (var (name, value) in logs)
        {
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(value);
        }
    }
}
