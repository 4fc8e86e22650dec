using System.CommandLine;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>--checkpoint-dir DIR [--checkpoint-every N]</c>: train with <see cref="BackupAndRestore"/>, so a
/// killed run started again with the same arguments continues from its last checkpoint, exactly. The
/// folder is locked while a run uses it, and a restart with other arguments (its <c>runSettings</c>:
/// <c>--model</c>, <c>--seed</c>, <c>--epochs</c>, <c>--data-dir</c>; Fit adds the batch size and the rest) is refused.
/// </summary>
internal sealed class CheckpointOptions
{
    public Option<DirectoryInfo?> Directory { get; } = new("--checkpoint-dir")
    {
        Description = "Folder for checkpoints; when it holds one, training resumes from it exactly (same seed and threads give the same bits).",
    };

    public Option<int> Every { get; } = new("--checkpoint-every")
    {
        Description = "Also save a checkpoint every N training steps (default 0: at epoch ends only).",
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

    /// <summary>The callbacks these options ask for (none without --checkpoint-dir); <paramref name="runSettings"/> go into each checkpoint and must match on resume.</summary>
    public List<Callback> Callbacks(ParseResult result, IReadOnlyDictionary<string, string> runSettings)
    {
        if (result.GetValue(Directory) is not { } dir) return [];
        var backup = new BackupAndRestore(dir.FullName, result.GetValue(Every), runSettings: runSettings);
        backup.Resumed += r => Console.WriteLine(
            $"Resumed from epoch {r.Epoch + 1} step {r.Step} ({r.Path}{(r.FallbackReason is null ? "" : "; the latest checkpoint was unusable: " + r.FallbackReason)}).");
        return [backup];
    }
}
