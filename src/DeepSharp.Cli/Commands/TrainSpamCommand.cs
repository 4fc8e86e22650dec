using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train spam [--model lstm|transformer]</c>: spam or ham on the SpamAssassin corpus,
/// on a deterministic 80/10/10 split; words of each e-mail through a TextVectorizer learned on the
/// training part. Reports test accuracy, precision, recall and F1 for the spam class.
/// </summary>
internal static class TrainSpamCommand
{
    private const int DefaultEpochs = 3;

    public static Command Create() => TextTrainingCommand.Create("spam", "Train a spam classifier on the SpamAssassin corpus.",
        new TextTrainingCommand.Help(
            Models: "The model: lstm (default, bidirectional) or transformer.", SpamPresets.Default, SpamPresets.Names,
            Epochs: $"Passes over the training e-mails (default: {DefaultEpochs}).",
            BatchSize: "E-mails per gradient step.", DefaultBatchSize: 32,
            DataDir: "A folder in the package's data layout (GROUP/ID.txt, spam groups named spam*) instead of the fetched data set.",
            Output: "Folder to write model.safetensors, history.json and the pictures of training into."),
        Run);

    private static int Run(TextTrainingSettings settings)
    {
        var (preset, batchSize, seed, threads, dataDir, output) = (settings.Preset, settings.BatchSize, settings.Seed, settings.Threads, settings.DataDir, settings.Output);
        int epochs = settings.Epochs ?? DefaultEpochs;
        var clock = Stopwatch.StartNew();
        var (split, vectorizer) = SpamPresets.Data(dataDir?.FullName);
        (Tensor X, Tensor Y) Encode(IReadOnlyList<Email> part) => SpamPresets.Encode(vectorizer, part);
        var (x, y) = Encode(split.Train);
        var validation = Encode(split.Validation);
        var (xTest, yTest) = Encode(split.Test);
        Console.WriteLine($"SpamAssassin: {split.Train.Count} training, {split.Validation.Count} validation, {split.Test.Count} test e-mails " +
                          $"({split.Train.Concat(split.Validation).Concat(split.Test).Count(e => e.IsSpam)} spam in all); {vectorizer.VocabularySize} words; ready in {clock.Elapsed.TotalSeconds:F1}s.");

        var model = SpamPresets.Build(preset, vectorizer.VocabularySize);
        model.TextVectorizer = vectorizer; // kept in every model file written: `deepsharp serve` takes raw text
        model.Compile(new Adam(), new BinaryCrossentropy(), [new BinaryAccuracy()]);
        CliDistributed.Distribute(model);
        model.Build(new Shape(SpamPresets.Length));
        model.Summary();
        Console.WriteLine($"Training {preset}: batch {batchSize}, {epochs} epochs, Adam, seed {seed}, {threads} threads.{CliDistributed.Describe()}");
        clock.Restart();
        var callbacks = RunPictures.WithCurves(CliDistributed.CheckpointCallbacks(settings.Callbacks(epochs)), output);
        var history = TrainingInterrupt.Fit(token => model.Fit(x, y, batchSize, epochs, validationData: validation, callbacks: callbacks, cancellationToken: token), callbacks);
        if (history is null) return TrainingInterrupt.ExitCode;
        double seconds = clock.Elapsed.TotalSeconds;

        var predicted = model.Predict(xTest, batchSize).ToArray();
        var truth = yTest.ToArray();
        int tp = 0, fp = 0, fn = 0, correct = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            bool spam = predicted[i] >= 0.5f, actual = truth[i] == 1f;
            if (spam == actual) correct++;
            if (spam && actual) tp++;
            if (spam && !actual) fp++;
            if (!spam && actual) fn++;
        }
        double precision = tp / Math.Max(1.0, tp + fp), recall = tp / Math.Max(1.0, tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test accuracy: {(double)correct / truth.Length:F4} - precision {precision:F4} - recall {recall:F4} - F1 {f1:F4} (spam class; {seconds:F1}s training, {seconds / epochs:F1}s per epoch)"));
        if (output is not null && CliDistributed.IsChief)
        {
            string modelPath = Path.Combine(output.FullName, "model.safetensors"), historyPath = Path.Combine(output.FullName, RunPictures.HistoryFileName);
            model.Save(modelPath);
            history.Save(historyPath);
            Console.WriteLine($"Wrote {modelPath} and {historyPath}.");
            RunPictures.Report(output.FullName, [.. RunPictures.Curves(history, output.FullName),
                .. RunPictures.Spam(model, split.Test, xTest, yTest, output.FullName, batchSize)]);
        }
        return 0;
    }
}
