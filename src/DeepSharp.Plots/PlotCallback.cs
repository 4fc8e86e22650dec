using DeepSharp.Training.Callbacks;

namespace DeepSharp.Plots;

/// <summary>
/// Redraws the training curves (<see cref="CurvePlot.SaveAll"/>: loss.png, accuracy.png, ...,
/// learning_rate.png) into <see cref="Folder"/> at the end of every epoch, so a run can be watched while it
/// trains, as TensorBoard users watch theirs. It asks Fit to log the learning rate each epoch.
/// </summary>
public sealed class PlotCallback : Callback
{
    private readonly List<int> _epochs = [];
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);

    /// <param name="folder">Where the pictures go (created if needed).</param>
    /// <param name="width">Width of each picture in pixels.</param>
    /// <param name="height">Height of each picture in pixels.</param>
    public PlotCallback(string folder, int width = CurvePlot.DefaultWidth, int height = CurvePlot.DefaultHeight)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        (Folder, Width, Height) = (folder, width, height);
    }

    /// <summary>The folder the pictures are written to.</summary>
    public string Folder { get; }

    /// <summary>Picture width in pixels.</summary>
    public int Width { get; }

    /// <summary>Picture height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pictures written at the last epoch's end (empty before the first).</summary>
    public IReadOnlyList<string> Written { get; private set; } = [];

    /// <inheritdoc/>
    protected override bool LogsLearningRate => true;

    /// <summary>Forgets the curves of an earlier Fit.</summary>
    public override void OnTrainBegin()
    {
        _epochs.Clear();
        _values.Clear();
        Written = [];
    }

    /// <summary>Adds the epoch's logs to the curves and redraws every picture.</summary>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        foreach (var (name, value) in logs)
        {
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [.. Enumerable.Repeat(double.NaN, _epochs.Count)];
            list.Add(value);
        }
        _epochs.Add(epoch);
        foreach (var list in _values.Values) while (list.Count < _epochs.Count) list.Add(double.NaN); // a name this epoch did not log
        var curves = new TrainingCurves(_epochs, _values.ToDictionary(p => p.Key, p => (IReadOnlyList<double>)p.Value));
        Written = CurvePlot.SaveAll(curves, Folder, Width, Height);
    }
}
