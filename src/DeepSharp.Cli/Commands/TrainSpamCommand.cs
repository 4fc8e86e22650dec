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
/// <c>deepsharp train spam [--model lstm|transformer] [--optimizer NAME] [--learning-rate LR] [--gradient-accumulation N]</c>: spam or ham on the SpamAssassin corpus,
/// on a deterministic 80/10/10 split; words of each e-mail through a TextVectorizer learned on the
/// training part. Reports test accuracy, precision, recall and F1 for the spam class.
/// </summary>
internal static class TrainSpamCommand
{
    private const int DefaultEpochs = 3;

    public static Command Create()
    {
        var encoder = new Option<DirectoryInfo?>("--encoder")
        {
            Description = "With --model transformer: fine-tune the encoder pre-trained by 'deepsharp pretrain spam --out E' (its vocabulary and weights; the e-mails' bodies).",
        };
        var labels = new Option<double>("--labels")
        {
            Description = "Fraction of the training e-mails whose labels are used, in (0, 1]: a stratified sample drawn with --seed (default: 1).",
            DefaultValueFactory = _ => 1.0,
        };
        labels.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && double.TryParse(result.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && !(f > 0 && f <= 1))
                result.AddError("--labels must be a fraction in (0, 1], e.g. 0.05 for 5 % of the training labels.");
        });
        var fromScratch = new Option<bool>("--from-scratch")
        {
            Description = "With --encoder: the same model and vocabulary with fresh weights (the baseline of pre-training).",
        };
        var noValidation = new Option<bool>("--no-validation")
        {
            Description = "Skip the validation pass after each epoch (on a few labels it costs more than the training).",
        };
        var command = TextTrainingCommand.Create("spam", "Train a spam classifier on the SpamAssassin corpus.",
            new TextTrainingCommand.Help(
                Models: "The model: lstm (default, bidirectional) or transformer.", SpamPresets.Default, SpamPresets.Names,
                Epochs: $"Passes over the training e-mails (default: {DefaultEpochs}).",
                BatchSize: "E-mails per gradient step.", DefaultBatchSize: 32,
                DataDir: "A folder in the package's data layout (GROUP/ID.txt, spam groups named spam*) instead of the fetched data set.",
                Output: "Folder to write model.safetensors, history.json and the pictures of training into."),
            settings => Run(settings, settings.Parsed.GetValue(encoder), settings.Parsed.GetValue(labels), settings.Parsed.GetValue(fromScratch), !settings.Parsed.GetValue(noValidation)));
        command.Options.Add(encoder);
        command.Options.Add(labels);
        command.Options.Add(fromScratch);
        command.Options.Add(noValidation);
        command.Validators.Add(result =>
        {
            bool hasEncoder = result.GetValue(encoder) is not null;
            if (hasEncoder && result.GetValue<string>("--model") != "transformer")
                result.AddError("--encoder needs --model transformer: the pre-trained encoder is a Transformer.");
            if (result.GetValue(fromScratch) && !hasEncoder)
                result.AddError("--from-scratch needs --encoder E: it trains E's model and vocabulary from fresh weights.");
        });
        return command;
    }

    private static int Run(TextTrainingSettings settings, DirectoryInfo? encoder, double labels, bool fromScratch, bool validate)
    {
        var (preset, batchSize, seed, threads, dataDir, output) = (settings.Preset, settings.BatchSize, settings.Seed, settings.Threads, settings.DataDir, settings.Output);
        int epochs = settings.Epochs ?? DefaultEpochs;
        var clock = Stopwatch.StartNew();
        var (split, vectorizer) = encoder is null ? SpamPresets.Data(dataDir?.FullName)
            : (SpamPresets.Split(dataDir?.FullName), SpamEncoderFolder.ReadVectorizer(encoder));
        (Tensor X, Tensor Y) Encode(IReadOnlyList<Email> part) => encoder is null ? SpamPresets.Encode(vectorizer, part)
            : (PretrainPresets.Encode(vectorizer, part), SpamPresets.Targets(part));
        var labelled = labels < 1 ? StratifiedSample.Take(split.Train, e => e.IsSpam ? 1 : 0, labels, seed) : split.Train;
        var (x, y) = Encode(labelled);
        var validation = Encode(split.Validation);
        var (xTest, yTest) = Encode(split.Test);
        Console.WriteLine($"SpamAssassin: {split.Train.Count} training, {split.Validation.Count} validation, {split.Test.Count} test e-mails " +
                          $"({split.Train.Concat(split.Validation).Concat(split.Test).Count(e => e.IsSpam)} spam in all); {vectorizer.VocabularySize} words; ready in {clock.Elapsed.TotalSeconds:F1}s.");

        var model = encoder is null ? SpamPresets.Build(preset, vectorizer.VocabularySize) : PretrainPresets.Classifier(vectorizer.VocabularySize);
        string start = encoder is null ? "" : fromScratch ? $" ({encoder.FullName}'s model and vocabulary, fresh weights)"
            : $" (fine-tuning {encoder.FullName}: {SpamEncoderFolder.LoadTrunk(model, encoder)} weights loaded by layer name)";
        model.TextVectorizer = vectorizer; // kept in every model file written: `deepsharp serve` takes raw text
        var optimizer = settings.Optimizer.Create(settings.Parsed, rate => rate is { } lr ? new Adam(lr) : new Adam());
        model.Compile(optimizer, new BinaryCrossentropy(), [new BinaryAccuracy()]);
        CliDistributed.Distribute(model);
        model.Build(new Shape(encoder is null ? SpamPresets.Length : PretrainPresets.Length));
        model.Summary();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training {preset}{start}: {labelled.Count} labelled e-mails ({labels * 100:0.##} % of {split.Train.Count}, ") +
                          $"{labelled.Count(e => e.IsSpam)} spam), batch {batchSize}, {epochs} epochs, {OptimizerOptions.Describe(optimizer, "Adam", settings.Parsed.GetValue(settings.Optimizer.Name) is not null)}, seed {seed}, {threads} threads.{CliDistributed.Describe()}");
        clock.Restart();
        var callbacks = RunPictures.WithCurves(CliDistributed.CheckpointCallbacks(settings.Callbacks(epochs)), output);
        var history = TrainingInterrupt.Fit(token => model.Fit(x, y, batchSize, epochs, validationData: validate ? validation : null, callbacks: callbacks, cancellationToken: token), callbacks);
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
