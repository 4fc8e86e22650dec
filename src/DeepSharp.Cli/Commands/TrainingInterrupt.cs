using System.Runtime.InteropServices;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT) or SIGTERM while a <c>deepsharp train</c> command runs Fit: the first stops
/// training at the next step boundary through Fit's CancellationToken. With <c>--checkpoint-dir</c>,
/// BackupAndRestore writes the checkpoint of that step and the same command started again resumes
/// from it exactly; without it nothing is saved (no files the user did not ask for) and the message
/// says so. A second signal ends the process at once. Outside Fit the signals keep their default
/// behaviour, so loading data or writing the model is never cut short half-way by the handler.
/// </summary>
internal sealed class TrainingInterrupt : IDisposable
{
    /// <summary>Exit code of an interrupted run: 128 + SIGINT, as shells report one.</summary>
    public const int ExitCode = 130;

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _signals;

    private TrainingInterrupt() =>
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    /// <summary>
    /// Runs <paramref name="fit"/> with the signals handled; returns its history, or null when a
    /// signal stopped it (after telling the user where and how to resume). <paramref name="callbacks"/>
    /// are Fit's: a BackupAndRestore among them says where the checkpoint is.
    /// </summary>
    /// <param name="fit">Calls Fit with the token it is given.</param>
    /// <param name="callbacks">The callbacks given to Fit.</param>
    /// <param name="takesCheckpointDir">Whether the command has --checkpoint-dir (to suggest it).</param>
    public static History? Fit(Func<CancellationToken, History> fit, IEnumerable<Callback> callbacks, bool takesCheckpointDir)
    {
        using var interrupt = new TrainingInterrupt();
        try
        {
            return fit(interrupt._source.Token);
        }
        catch (TrainingCanceledException stop)
        {
            Console.Error.WriteLine(Message(stop, callbacks.OfType<BackupAndRestore>().FirstOrDefault(), takesCheckpointDir));
            return null;
        }
    }

    internal static string Message(TrainingCanceledException stop, BackupAndRestore? backup, bool takesCheckpointDir)
    {
        string where = $"deepsharp: interrupted in epoch {stop.Epoch + 1} after {stop.Step} step{(stop.Step == 1 ? "" : "s")}.";
        if (backup is not null)
            return $"{where} Checkpoint of that step saved in {backup.Directory}: run the same command again to resume from it exactly.";
        return takesCheckpointDir
            ? $"{where} Nothing was saved, so this run cannot be resumed; give --checkpoint-dir DIR to make a run resumable."
            : $"{where} This command keeps no checkpoints, so the run is lost.";
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return; // the second one: the default action ends the process
        context.Cancel = true;
        Console.Error.WriteLine("deepsharp: stopping after the current step (Ctrl-C again to quit at once)...");
        _source.Cancel();
    }

    // The token source is left to the collector: a handler already running on another thread may still cancel it.
    public void Dispose()
    {
        foreach (var signal in _signals) signal.Dispose();
    }
}
