using System.Runtime.InteropServices;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT) or SIGTERM while a <c>deepsharp train</c> command runs Fit: the first stops
/// training at the next step boundary through Fit's CancellationToken, and BackupAndRestore writes the
/// checkpoint of that step. With <c>--checkpoint-dir</c> the same command started again resumes from
/// it exactly; without it the checkpoint goes into a folder of its own (see
/// <see cref="CheckpointOptions.InterruptedFolder"/>) and the message prints the command that resumes
/// from it: the same one with <c>--checkpoint-dir</c> that folder. A second signal ends the process at once. Outside Fit the signals keep their default
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
    public static History? Fit(Func<CancellationToken, History> fit, IEnumerable<Callback> callbacks)
    {
        using var interrupt = new TrainingInterrupt();
        try
        {
            return fit(interrupt._source.Token);
        }
        catch (TrainingCanceledException stop)
        {
            Console.Error.WriteLine(Message(stop, callbacks.OfType<BackupAndRestore>().FirstOrDefault(), CliRunner.Arguments));
            return null;
        }
    }

    /// <summary>Where the run stopped and how to resume it; <paramref name="arguments"/> are the command's own (to repeat it).</summary>
    internal static string Message(TrainingCanceledException stop, BackupAndRestore? backup, IReadOnlyList<string> arguments)
    {
        string where = $"deepsharp: interrupted in epoch {stop.Epoch + 1} after {stop.Step} step{(stop.Step == 1 ? "" : "s")}.";
        if (backup is null)
            return $"{where} Nothing was saved, so this run cannot be resumed.";
        if (!backup.SaveOnlyWhenCancelled)
            return $"{where} Checkpoint of that step saved in {backup.Directory}: run the same command again to resume from it exactly.";
        string resume = string.Join(' ', new[] { CliRunner.Name }.Concat(arguments).Append("--checkpoint-dir").Append(backup.Directory).Select(ShellQuote));
        return $"{where} Checkpoint of that step saved in {backup.Directory}; to resume from it exactly, run:{Environment.NewLine}  {TerminalText.Escape(resume)}";
    }

    /// <summary>A word as a POSIX shell reads it back: as it is when plain, else in single quotes.</summary>
    internal static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

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
