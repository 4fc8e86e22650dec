using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train speech-digits [--model conv1d] [--optimizer NAME] [--learning-rate LR] [--gradient-accumulation N]</c>: spoken digits made by espeak-ng
/// (generated into the cache on first use), split by speaker; reports accuracy on the held-out speakers.
/// </summary>
internal static class TrainSpeechDigitsCommand
{
    private const int DefaultEpochs = 15;
    private const int DefaultBatchSize = 32;

    public static Command Create()
    {
        var preset = new Option<string>("--model")
        {
            Description = "The model: conv1d (Conv1D over log-mel frames, the default and only preset so far).",
            DefaultValueFactory = _ => SpeechPresets.Default,
        };
        preset.AcceptOnlyFromAmong([.. SpeechPresets.Names]);
        var epochs = CommonOptions.Positive("--epochs", $"Passes over the training utterances (default: {DefaultEpochs}).", DefaultEpochs);
        var batchSize = CommonOptions.Positive("--batch-size", "Utterances per gradient step.", DefaultBatchSize);
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var snr = new Option<float?>("--snr") { Description = "Add white noise at this signal-to-noise ratio in dB to every clip (training and test)." };
        var small = new Option<bool>("--small") { Description = "The small data set (2 accents, 6 speakers, 120 utterances) instead of the full one (4,800)." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder to write model.safetensors and history.json into." };
        var command = new Command("speech-digits", "Train a spoken-digit classifier on espeak-ng voices; test on speakers it never heard.")
        {
            preset, epochs, batchSize, seed, threads, snr, small, output,
        };
        var optimizer = new OptimizerOptions();
        optimizer.AddTo(command);
        command.SetAction(result => Run(result.GetValue(preset)!, result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(seed),
            result.GetValue(threads), result.GetValue(snr), result.GetValue(small), result.GetValue(output), optimizer, result));
        return command;
    }

    private static int Run(string preset, int epochs, int batchSize, long seed, int threads, float? snr, bool small, DirectoryInfo? output,
        OptimizerOptions optimizerOptions, ParseResult parsed)
    {
        if (output is not null) Directory.CreateDirectory(output.FullName);
        DeepSharp.Threads.Count = threads;
        RandomGenerator.SetGlobalSeed(seed);
        var clock = Stopwatch.StartNew();
        var spec = small ? SpeechDigitsSpec.Small : SpeechDigitsSpec.Default;
        var data = SpeechDigits.Load(spec, snr, noiseSeed: seed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Speech digits: {data.Train.Count} training utterances ({spec.Variants.Length - spec.TestVariants.Length} speakers × {spec.Accents.Length} accents), " +
            $"{data.Test.Count} test utterances of unseen speakers ({string.Join(", ", spec.TestVariants)}){(snr is { } s ? $", noise at {s} dB SNR" : "")}; ready in {clock.Elapsed.TotalSeconds:F1}s."));

        var model = SpeechPresets.Build(preset);
        var optimizer = optimizerOptions.Create(parsed, rate => new Adam(rate ?? 1e-3f));
        model.Compile(optimizer, new CategoricalCrossentropy(), [new Accuracy()]);
        model.Summary();
        Console.WriteLine($"Training {preset}: batch {batchSize}, {epochs} epochs, {OptimizerOptions.Describe(optimizer, "Adam", parsed.GetValue(optimizerOptions.Name) is not null)}, seed {seed}, {threads} threads.");
        var trainTargets = DataUtils.ToCategorical(data.TrainY, 10);
        var testTargets = DataUtils.ToCategorical(data.TestY, 10);
        clock.Restart();
        var history = TrainingInterrupt.Fit(token => model.Fit(data.TrainX, trainTargets, batchSize, epochs,
            validationData: (data.TestX, testTargets), cancellationToken: token), Array.Empty<Callback>());
        if (history is null) return TrainingInterrupt.ExitCode;
        double seconds = clock.Elapsed.TotalSeconds;
        var test = model.Evaluate(data.TestX, testTargets, batchSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Held-out speakers: loss {test["loss"]:F4} - accuracy {test["accuracy"]:F4} ({seconds:F1}s training, {seconds / epochs:F1}s per epoch)"));
        if (output is not null)
        {
            string modelPath = Path.Combine(output.FullName, "model.safetensors");
            string historyPath = Path.Combine(output.FullName, "history.json");
            model.Save(modelPath);
            history.Save(historyPath);
            Console.WriteLine($"Wrote {modelPath} and {historyPath}.");
        }
        return 0;
    }
}
