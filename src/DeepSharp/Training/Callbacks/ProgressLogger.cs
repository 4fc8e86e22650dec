using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Keras-style progress: on a terminal, a line per epoch that redraws as steps complete
/// (step n/N, bar, ETA, running loss and metrics); when output is redirected, one plain line per
/// epoch with its wall time, loss and metrics.
/// </summary>
public sealed class ProgressLogger : Callback
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Stopwatch _epochClock = new();
    private long _lastDrawTicks;

    /// <param name="output">Where to write (standard output by default).</param>
    /// <param name="interactive">Redraw a live line (default: when standard output is a terminal).</param>
    public ProgressLogger(TextWriter? output = null, bool? interactive = null)
    {
        _out = output ?? Console.Out;
        _interactive = interactive ?? (output is null && !Console.IsOutputRedirected);
    }

    /// <summary>Wall time of the last finished epoch.</summary>
    public TimeSpan LastEpochTime { get; private set; }

    /// <summary>Starts the epoch's clock; on a terminal, prints "Epoch n/N" (1-based).</summary>
    public override void OnEpochBegin(int epoch)
    {
        if (_interactive) _out.WriteLine($"Epoch {epoch + 1}/{Parameters!.Epochs}");
        _epochClock.Restart();
        _lastDrawTicks = 0;
    }

    /// <summary>On a terminal, redraws the live line (at most ten times a second, and always at the last step).</summary>
    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
    {
        if (!_interactive) return;
        long now = _epochClock.ElapsedTicks;
        int steps = Parameters!.Steps;
        if (step + 1 < steps && now - _lastDrawTicks < Stopwatch.Frequency / 10) return;
        _lastDrawTicks = now;
        double elapsed = _epochClock.Elapsed.TotalSeconds;
        double eta = elapsed / (step + 1) * (steps - step - 1);
        _out.Write($"\r{Counter(step + 1, steps)} {Bar(step + 1, steps)} {FormatSeconds(eta)} ETA{FormatLogs(logs)}\u001b[K");
        _out.Flush();
    }

    /// <summary>Writes the epoch's final line: wall time, time per step, and every log value to four decimals.</summary>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        LastEpochTime = _epochClock.Elapsed;
        int steps = Parameters!.Steps;
        double seconds = LastEpochTime.TotalSeconds;
        string perStep = steps > 0 ? $"{seconds * 1000 / steps:F0}ms/step" : "";
        if (_interactive)
            _out.WriteLine($"\r{Counter(steps, steps)} {Bar(steps, steps)} {FormatSeconds(seconds)} {perStep}{FormatLogs(logs)}\u001b[K");
        else
            _out.WriteLine($"Epoch {epoch + 1}/{Parameters.Epochs} - {seconds.ToString("F1", CultureInfo.InvariantCulture)}s - {perStep}{FormatLogs(logs)}");
        _out.Flush();
    }

    /// <summary>On a terminal, ends the live line of an epoch that was cancelled.</summary>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (!TrainingCancelled || !_interactive) return;
        _out.WriteLine(" - cancelled\u001b[K"); // ends the live line of the stopped epoch
        _out.Flush();
    }

    private static string Counter(int step, int steps)
    {
        string total = steps.ToString(CultureInfo.InvariantCulture);
        return step.ToString(CultureInfo.InvariantCulture).PadLeft(total.Length) + "/" + total;
    }

    private static string Bar(int step, int steps)
    {
        const int width = 20;
        int filled = steps == 0 ? width : (int)((long)step * width / steps);
        return new string('━', filled) + new string('─', width - filled);
    }

    private static string FormatSeconds(double seconds) =>
        seconds >= 60 ? $"{(int)seconds / 60}m{(int)seconds % 60:D2}s" : $"{(int)Math.Round(seconds)}s";

    internal static string FormatLogs(IReadOnlyDictionary<string, double> logs)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in logs)
            sb.Append(" - ").Append(name).Append(": ").Append(value.ToString("F4", CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
