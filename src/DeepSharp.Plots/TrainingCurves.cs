using System.Text.Json;
using DeepSharp.Training;

namespace DeepSharp.Plots;

/// <summary>
/// The per-epoch values a picture of training draws: what a <see cref="History"/> holds, or what
/// <c>history.json</c> (<see cref="HistoryFile"/>) holds after a run. A value that was NaN or infinite
/// (written as null) is <see cref="double.NaN"/>, and the line has a gap there.
/// </summary>
public sealed class TrainingCurves
{
    /// <summary>Largest history.json read (a run of 100,000 epochs with a dozen values fits).</summary>
    public const long MaxFileBytes = 64L << 20;

    private readonly Dictionary<string, IReadOnlyList<double>> _values;

    /// <summary>Curves from epoch numbers (zero-based, as History records them) and values by name, one value per epoch.</summary>
    /// <exception cref="ArgumentException">A list of values has not one entry per epoch, or a name is empty.</exception>
    public TrainingCurves(IReadOnlyList<int> epochs, IReadOnlyDictionary<string, IReadOnlyList<double>> values)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentNullException.ThrowIfNull(values);
        Epochs = [.. epochs];
        _values = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var (name, list) in values)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A curve needs a name.", nameof(values));
            if (list.Count != epochs.Count)
                throw new ArgumentException($"Curve '{name}' has {list.Count} values for {epochs.Count} epochs.", nameof(values));
            _values[name] = [.. list];
        }
    }

    /// <summary>Zero-based epoch numbers; pictures label them from 1, as Keras's progress lines do.</summary>
    public IReadOnlyList<int> Epochs { get; }

    /// <summary>Values by log name ("loss", "val_accuracy", "learning_rate", ...), one per epoch.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> Values => _values;

    /// <summary>
    /// The names that get a picture each: every training value ("loss", "accuracy", ...) in the order
    /// logged, then "val_" values without a training twin, then "learning_rate". The validation value
    /// of a name ("val_loss") is drawn in the same picture as the name.
    /// </summary>
    public IReadOnlyList<string> Metrics
    {
        get
        {
            var names = new List<string>();
            foreach (var name in _values.Keys)
            {
                if (name == LearningRate) continue;
                string metric = name.StartsWith(ValidationPrefix, StringComparison.Ordinal) && _values.ContainsKey(name[ValidationPrefix.Length..])
                    ? name[ValidationPrefix.Length..] : name;
                if (!names.Contains(metric)) names.Add(metric);
            }
            if (_values.ContainsKey(LearningRate)) names.Add(LearningRate);
            return names;
        }
    }

    /// <summary>The prefix of validation values in logs ("val_loss").</summary>
    public const string ValidationPrefix = "val_";

    /// <summary>The learning rate's log name, present when Fit logged it (a schedule, or a callback such as <see cref="PlotCallback"/> that asks for it).</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>The curves of a Fit's history.</summary>
    public static TrainingCurves FromHistory(History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return new TrainingCurves(history.Epochs, history.Values.ToDictionary(p => p.Key, p => (IReadOnlyList<double>)p.Value));
    }

    /// <summary>Reads a <c>history.json</c> written by <see cref="HistoryFile.Save"/> (<c>deepsharp train --out</c> writes one).</summary>
    /// <exception cref="FileAccessException">The file is missing or unreadable.</exception>
    /// <exception cref="DataFormatException">The file is not such a history: the message names the file and what is wrong.</exception>
    public static TrainingCurves Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new FileAccessException(path, $"No history file at {path}.");
            if (info.Length > MaxFileBytes) throw new DataFormatException($"{path}: {info.Length} bytes is more than a history file may hold ({MaxFileBytes}).");
            bytes = BoundedFile.ReadAllBytes(path, MaxFileBytes, "History file"); // a pipe or device is refused; nothing past the length is read
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileAccessException(path, $"Cannot read {path}: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses history JSON text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">The text is not a history: the message says what is wrong.</exception>
    public static TrainingCurves Parse(ReadOnlySpan<byte> json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source} is not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("epoch", out var epochElement) || !root.TryGetProperty("history", out var historyElement))
                throw new DataFormatException($"{source} is not a training history: it needs an object with \"epoch\" and \"history\", as history.json has.");
            if (epochElement.ValueKind != JsonValueKind.Array)
                throw new DataFormatException($"{source}: \"epoch\" must be an array of epoch numbers, not {epochElement.ValueKind}.");
            var epochs = new List<int>();
            foreach (var e in epochElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int epoch) || epoch < 0)
                    throw new DataFormatException($"{source}: \"epoch\"[{epochs.Count}] must be a non-negative integer, not {e.GetRawText()}.");
                epochs.Add(epoch);
            }
            if (historyElement.ValueKind != JsonValueKind.Object)
                throw new DataFormatException($"{source}: \"history\" must be an object of named value lists, not {historyElement.ValueKind}.");
            var values = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
            foreach (var property in historyElement.EnumerateObject())
            {
                if (property.Name.Length == 0) throw new DataFormatException($"{source}: \"history\" has a value list with an empty name.");
                if (property.Value.ValueKind != JsonValueKind.Array)
                    throw new DataFormatException($"{source}: \"history\".\"{property.Name}\" must be an array of numbers, not {property.Value.ValueKind}.");
                var list = new List<double>();
                foreach (var v in property.Value.EnumerateArray())
                {
                    if (v.ValueKind == JsonValueKind.Null) list.Add(double.NaN);
                    else if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d)) list.Add(d);
                    else throw new DataFormatException($"{source}: \"history\".\"{property.Name}\"[{list.Count}] must be a number or null, not {v.GetRawText()}.");
                }
                if (list.Count != epochs.Count)
                    throw new DataFormatException($"{source}: \"history\".\"{property.Name}\" has {list.Count} values for {epochs.Count} epochs.");
                values[property.Name] = list;
            }
            return new TrainingCurves(epochs, values);
        }
    }
}
