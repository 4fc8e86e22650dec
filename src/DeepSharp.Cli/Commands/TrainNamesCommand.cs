using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train names [--model gpt|lstm] [--optimizer NAME] [--learning-rate LR] [--gradient-accumulation N]</c>: a character-level model of first names
/// (next-character prediction), on a deterministic 80/10/10 split of the names data set. Reports
/// validation and test loss in nats per character beside a bigram baseline on the same split, and
/// writes the model and its vocabulary for <c>deepsharp generate</c>.
/// </summary>
internal static class TrainNamesCommand
{
    public static Command Create() => TextTrainingCommand.Create("names", "Train a character-level model that invents first names.",
        new TextTrainingCommand.Help(
            Models: "The model: gpt (default, a small decoder-only Transformer) or lstm.", NamesPresets.Default, NamesPresets.Names,
            Epochs: "Passes over the training names (default: 30 for gpt, 12 for lstm).",
            BatchSize: "Names per gradient step.", DefaultBatchSize: 64,
            DataDir: "A folder holding names.txt (one name per line) instead of the fetched data set.",
            Output: "Folder to write model.safetensors and vocabulary.json (for deepsharp generate), history.json and the pictures of training into."),
        Run);

    private static int Run(TextTrainingSettings settings)
    {
        var (preset, batchSize, seed, threads, dataDir, output) = (settings.Preset, settings.BatchSize, settings.Seed, settings.Threads, settings.DataDir, settings.Output);
        var (defaultEpochs, learningRate) = NamesPresets.Defaults(preset);
        int epochs = settings.Epochs ?? defaultEpochs;

        var (split, vocabulary) = NamesPresets.Data(dataDir?.FullName);
        var data = new CharLanguageModelData(vocabulary, NamesPresets.Context);
        Console.WriteLine($"Names: {split.Train.Count} training, {split.Validation.Count} validation, {split.Test.Count} test; {vocabulary.VocabularySize} tokens.");

        var model = NamesPresets.Build(preset, vocabulary.VocabularySize);
        model.TextVectorizer = vocabulary.ToTextVectorizer(NamesPresets.Context); // kept in every model file written: `deepsharp serve` takes raw text
        var optimizer = settings.Optimizer.Create(settings.Parsed, rate => new Adam(rate ?? learningRate));
        model.Compile(optimizer, new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0));
        CliDistributed.Distribute(model);
        var (x, y) = data.Sequences(split.Train);
        var validation = data.Sequences(split.Validation);
        model.Build(new Shape(NamesPresets.Context));
        model.Summary();
        Console.WriteLine($"Training {preset}: batch {batchSize}, {epochs} epochs, {OptimizerOptions.Describe(optimizer, "Adam", settings.Parsed.GetValue(settings.Optimizer.Name) is not null)}, seed {seed}, {threads} threads.{CliDistributed.Describe()}");
        var clock = Stopwatch.StartNew();
        var callbacks = RunPictures.WithCurves(CliDistributed.CheckpointCallbacks(settings.Callbacks(epochs)), output);
        var history = TrainingInterrupt.Fit(token => model.Fit(x, y, batchSize, epochs, validationData: validation, callbacks: callbacks, cancellationToken: token), callbacks);
        if (history is null) return TrainingInterrupt.ExitCode;
        double seconds = clock.Elapsed.TotalSeconds;

        Tensor Logits(Tensor inputs) => model.Call(inputs);
        double val = data.NatsPerCharacter(split.Validation, Logits), test = data.NatsPerCharacter(split.Test, Logits);
        double bigramVal = data.BigramNatsPerCharacter(split.Train, split.Validation), bigramTest = data.BigramNatsPerCharacter(split.Train, split.Test);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Validation: {val:F4} nats/char (bigram baseline {bigramVal:F4}); test: {test:F4} (bigram {bigramTest:F4}); {seconds:F1}s training, {seconds / epochs:F1}s per epoch."));
        Console.WriteLine("Samples: " + string.Join(", ", TextGenerator.GenerateWords(model, data, 10, new TokenSampler(0.8f, generator: new RandomGenerator(seed)))));
        if (output is not null && CliDistributed.IsChief)
        {
            string modelPath = Path.Combine(output.FullName, "model.safetensors"), vocabularyPath = Path.Combine(output.FullName, "vocabulary.json");
            string historyPath = Path.Combine(output.FullName, RunPictures.HistoryFileName);
            model.Save(modelPath);
            vocabulary.Save(vocabularyPath);
            history.Save(historyPath);
            Console.WriteLine($"Wrote {modelPath}, {vocabularyPath} and {historyPath}.");
            RunPictures.Report(output.FullName, [.. RunPictures.Curves(history, output.FullName), .. RunPictures.Names(model, data, split.Test, output.FullName)]);
        }
        return 0;
    }
}
