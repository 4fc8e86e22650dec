using System.CommandLine;
using System.Globalization;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// What <c>train names</c> and <c>train spam</c> are given: a preset, the training settings and the folders;
/// <paramref name="Callbacks"/> makes Fit's checkpoint callbacks once the epochs are known; <paramref name="Parsed"/> holds a command's own options;
/// <paramref name="Optimizer"/> makes the optimizer to compile with (<c>--optimizer</c>, <c>--learning-rate</c>, <c>--gradient-accumulation</c>).
/// </summary>
internal sealed record TextTrainingSettings(string Preset, int? Epochs, int BatchSize, long Seed, int Threads, DirectoryInfo? DataDir, DirectoryInfo? Output,
    Func<int, List<Callback>> Callbacks, ParseResult Parsed, OptimizerOptions Optimizer);

/// <summary>
/// The options the text training commands share (<c>--model</c>, <c>--epochs</c>, <c>--batch-size</c>,
/// <c>--seed</c>, <c>--threads</c>, <c>--data-dir</c>, <c>--out</c>, <c>--checkpoint-dir</c>, <c>--checkpoint-every</c>, <c>--optimizer</c>,
/// <c>--learning-rate</c>, <c>--gradient-accumulation</c>), wired once; each command says only
/// what its options mean for it and what training does.
/// </summary>
internal static class TextTrainingCommand
{
    /// <summary>The descriptions and defaults that differ between the commands.</summary>
    public sealed record Help(string Models, string DefaultModel, IReadOnlyList<string> ModelNames, string Epochs,
        string BatchSize, int DefaultBatchSize, string DataDir, string Output);

    /// <summary>
    /// A command whose action creates the output folder, sets the threads and the global seed, then runs
    /// <paramref name="train"/> with the parsed settings.
    /// </summary>
    public static Command Create(string name, string description, Help help, Func<TextTrainingSettings, int> train)
    {
        var preset = new Option<string>("--model") { Description = help.Models, DefaultValueFactory = _ => help.DefaultModel };
        preset.AcceptOnlyFromAmong([.. help.ModelNames]);
        var epochs = CommonOptions.OptionalPositive("--epochs", help.Epochs);
        var batchSize = CommonOptions.Positive("--batch-size", help.BatchSize, help.DefaultBatchSize);
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = help.DataDir };
        var output = new Option<DirectoryInfo?>("--out") { Description = help.Output };
        var command = new Command(name, description) { preset, epochs, batchSize, seed, threads, dataDir, output };
        var optimizer = new OptimizerOptions();
        optimizer.AddTo(command);
        var checkpoints = new CheckpointOptions();
        checkpoints.AddTo(command);
        command.SetAction(result =>
        {
            // What a resumed run must share with the one that wrote the checkpoint, beside what Fit checks itself (batch size, ...).
            List<Callback> Callbacks(int epochCount)
            {
                var runSettings = new Dictionary<string, string>
                {
                    ["command"] = "train " + name,
                    ["--model"] = result.GetValue(preset)!,
                    ["--seed"] = result.GetValue(seed).ToString(CultureInfo.InvariantCulture),
                    ["--epochs"] = epochCount.ToString(CultureInfo.InvariantCulture),
                    ["--data-dir"] = result.GetValue(dataDir) is { } d ? Path.TrimEndingDirectorySeparator(d.FullName) : "(the cache)",
                };
                optimizer.AddRunSettings(result, runSettings);
                return checkpoints.Callbacks(result, runSettings, result.GetValue(output));
            }
            var settings = new TextTrainingSettings(result.GetValue(preset)!, result.GetValue(epochs), result.GetValue(batchSize),
                result.GetValue(seed), result.GetValue(threads), result.GetValue(dataDir), result.GetValue(output), Callbacks, result, optimizer);
            if (settings.Output is not null) Directory.CreateDirectory(settings.Output.FullName);
            DeepSharp.Threads.Count = settings.Threads;
            RandomGenerator.SetGlobalSeed(settings.Seed);
            return train(settings);
        });
        return command;
    }
}
