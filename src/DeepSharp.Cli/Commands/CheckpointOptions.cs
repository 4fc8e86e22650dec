using System.CommandLine;
using System.Globalization;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>--checkpoint-dir DIR [--checkpoint-every N]</c>: train with <see cref="BackupAndRestore"/>, so a
/// killed run started again with the same arguments continues from its last checkpoint, exactly. The
/// folder is locked while a run uses it, and a restart with other arguments (its <c>runSettings</c>:
/// <c>--model</c>, <c>--seed</c>, <c>--epochs</c>, <c>--data-dir</c>; Fit adds the batch size and the rest) is refused.
/// Without <c>--checkpoint-dir</c> nothing is written unless Ctrl-C stops the run: then the checkpoint
/// of its stop goes into <see cref="InterruptedFolder"/>, and the message gives the command that resumes it.
/// </summary>
internal sealed class CheckpointOptions
{
    public Option<DirectoryInfo?> Directory { get; } = new("--checkpoint-dir")
    {
        Description = "Folder for checkpoints; when it holds one, training resumes from it exactly (same seed and threads give the same bits).",
    };

    public Option<int> Every { get; } = new("--checkpoint-every")
    {
        Description = "Also save a checkpoint every N training steps (default 0: at epoch ends only); with --federated, every N rounds (0: every round).",
        DefaultValueFactory = _ => 0,
    };

    public CheckpointOptions() =>
        Every.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out int n) && n < 0)
                result.AddError("--checkpoint-every must not be negative.");
        });

    public void AddTo(Command command)
    {
        command.Options.Add(Directory);
        command.Options.Add(Every);
    }

    /// <summary>
    /// The callbacks these options ask for: a BackupAndRestore into --checkpoint-dir, or without it one that
    /// saves only when Ctrl-C stops the run, into <see cref="InterruptedFolder"/>. <paramref name="runSettings"/>
    /// go into each checkpoint and must match on resume.
    /// </summary>
    public List<Callback> Callbacks(ParseResult result, IReadOnlyDictionary<string, string> runSettings, DirectoryInfo? output)
    {
        if (result.GetValue(Directory) is not { } dir)
            return [new BackupAndRestore(InterruptedFolder(output, DateTime.UtcNow), runSettings: runSettings) { SaveOnlyWhenCancelled = true }];
        var backup = new BackupAndRestore(dir.FullName, result.GetValue(Every), runSettings: runSettings);
        backup.Resumed += r => Console.WriteLine(
            $"Resumed from epoch {r.Epoch + 1} step {r.Step} ({r.Path}{(r.FallbackReason is null ? "" : "; the latest checkpoint was unusable: " + r.FallbackReason)}).");
        return [backup];
    }

    /// <summary>
    /// Where an interrupted run without --checkpoint-dir saves its stop: <c>OUT/interrupted-yyyyMMdd-HHmmss</c>
    /// (UTC, the run's start) with --out, else <c>runs/interrupted-yyyyMMdd-HHmmss</c> in the current folder;
    /// a name already taken gets <c>-2</c>, <c>-3</c>, ...
    /// </summary>
    internal static string InterruptedFolder(DirectoryInfo? output, DateTime start)
    {
        string parent = output?.FullName ?? Path.GetFullPath("runs");
        string stem = Path.Combine(parent, "interrupted-" + start.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        for (int n = 1; ; n++)
        {
            string path = n == 1 ? stem : stem + "-" + n.ToString(CultureInfo.InvariantCulture);
            if (!System.IO.Directory.Exists(path) && !File.Exists(path)) return path;
        }
    }
}
