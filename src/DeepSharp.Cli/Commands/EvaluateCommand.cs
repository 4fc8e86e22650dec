using System.CommandLine;
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
/// <c>deepsharp evaluate MODEL [--data mnist|names|spam] [--data-dir DIR]</c> or
/// <c>deepsharp evaluate MODEL --x FILE [--y FILE]</c>: a model file scored on a test set.
/// <list type="bullet">
/// <item><c>mnist</c>: the 10,000 test images; loss and accuracy.</item>
/// <item><c>names</c>: the test part of <c>train names</c>'s split; nats per character beside the bigram
/// baseline, as <c>train names</c> prints them (vocabulary.json beside the model, or <c>--vocabulary</c>;
/// rebuilt from the data as training builds it when there is none).</item>
/// <item><c>spam</c>: the test part of <c>train spam</c>'s split, words through the model file's TextVectorizer
/// (one learned on the training part as training does, for files without one); loss, accuracy, and
/// precision, recall and F1 of the spam class. A model fine-tuned from a pre-trained encoder
/// (<c>train spam --encoder E</c>, (128) token ids) reads the e-mails' bodies with the encoder's vocabulary:
/// the one in its file, or <c>--vocabulary E/vocabulary.txt</c>.</item>
/// <item><c>--x</c>/<c>--y</c>: the user's own samples: a NumPy .npy array (one sample per index of its first
/// axis, values as stored), idx3-ubyte images (pixels / 255), or a CSV file of numbers, one sample per row;
/// their labels in <c>--y</c> (a .npy array of class indices or one-hot rows, an idx1-ubyte file, or a CSV
/// file with one per row) or, for a CSV <c>--x</c> without <c>--y</c>, in its last column. Each sample is
/// reshaped to the model's input; a CSV header row is skipped. See <see cref="UserData"/>.</item>
/// </list>
/// Without <c>--data</c> the set follows from the model's input: (16) token ids is a names model, (200) a
/// spam model, (128) a spam model fine-tuned from a pre-trained encoder, anything else is scored on MNIST. Labels are class indices: a model with one output is a
/// binary classifier (binary cross-entropy, accuracy at 0.5), one with C outputs a C-way one (categorical
/// cross-entropy on one-hot targets); logits or probabilities as its last activation says.
/// </summary>
internal static class EvaluateCommand
{
    public static readonly string[] DataSets = ["mnist", "names", "spam"];

    public static Command Create()
    {
        var model = ModelArguments.Model();
        var data = new Option<string?>("--data") { Description = "The test set: mnist, names or spam (default: from the model's input; see the README)." };
        data.AcceptOnlyFromAmong(DataSets);
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Folder holding the data set's files (instead of fetching them into the cache), as the train command took it." };
        var x = new Option<FileInfo?>("--x") { Description = "Your own inputs: a NumPy .npy array (one sample per index of its first axis, values as stored), an idx3-ubyte file (or .gz) of images, or a CSV file of numbers, one sample per row." };
        var y = new Option<FileInfo?>("--y") { Description = "Their labels: a .npy array of class indices (N) or one-hot rows (N, C), an idx1-ubyte file, or a CSV file with one per row (default for a CSV --x: its last column)." };
        var vocabulary = new Option<FileInfo?>("--vocabulary") { Description = "For names: the model's vocabulary.json (default: the one beside the model). For a spam model fine-tuned from an encoder whose file holds no vectorizer: the encoder's vocabulary.txt." };
        var batchSize = CommonOptions.Positive("--batch-size", "Samples per batch.", 128);
        var threads = CommonOptions.Threads();
        var command = new Command("evaluate", "Loss and accuracy of a model file on a test set: MNIST, names, spam, or your own .npy, idx or CSV files.")
        {
            model, data, dataDir, x, y, vocabulary, batchSize, threads,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(x) is null && r.GetValue(y) is not null) r.AddError("--y needs --x.");
            if (r.GetValue(x) is not null && (r.GetValue(data) is not null || r.GetValue(dataDir) is not null)) r.AddError("--x takes the place of --data and --data-dir.");
        });
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(data), result.GetValue(dataDir)?.FullName, result.GetValue(x)?.FullName,
            result.GetValue(y)?.FullName, result.GetValue(vocabulary)?.FullName, result.GetValue(batchSize), result.GetValue(threads)));
        return command;
    }

    private static int Run(FileInfo file, string? data, string? dataDir, string? xPath, string? yPath, string? vocabularyPath, int batchSize, int threads)
    {
        DeepSharp.Threads.Count = threads;
        var model = ModelArguments.Load(file);
        var inputShape = model.Layers[0].BuiltInputShape
            ?? throw new DeepSharpException($"Model '{file.Name}' has no input shape; evaluate needs a built model.");
        if (xPath is not null)
        {
            var (xs, labels) = UserData.Load(xPath, yPath, inputShape);
            Classify(model, file.Name, xs, labels, "samples", batchSize);
            return 0;
        }
        switch (data ?? Infer(inputShape))
        {
            case "names":
                Names(model, file, dataDir, vocabularyPath);
                break;
            case "spam":
                Spam(model, file.Name, dataDir, vocabularyPath, batchSize);
                break;
            default:
                var (_, (xTest, yTest)) = Mnist.Load(dataDir);
                CheckInput(file.Name, inputShape, xTest.Shape.WithoutBatch(), "MNIST images are");
                Classify(model, file.Name, xTest, yTest.ToIntArray(), "test images", batchSize);
                break;
        }
        return 0;
    }

    /// <summary>The data set a model's input shape points to: names (16 token ids), spam (200), else MNIST.</summary>
    internal static string Infer(Shape inputShape) =>
        inputShape.Rank == 1 && inputShape[0] == NamesPresets.Context ? "names"
        : inputShape.Rank == 1 && inputShape[0] is SpamPresets.Length or PretrainPresets.Length ? "spam"
        : "mnist";

    private static void CheckInput(string name, Shape model, Shape data, string what)
    {
        if (model != data)
            throw new DeepSharpException($"Model '{name}' takes inputs {model.ToBatchString()}; {what} {data.ToBatchString()}.");
    }

    private static int Outputs(Model model, Tensor sample) => model.Predict(sample).Shape[-1];

    /// <summary>Loss and accuracy of a classifier on class-index labels (binary for one output, categorical for several).</summary>
    private static void Classify(Model model, string name, Tensor x, int[] labels, string what, int batchSize)
    {
        int n = x.Shape[0];
        if (n == 0) throw new DeepSharpException("There are no samples to evaluate.");
        int classes = Outputs(model, x.SliceRows(0, 1));
        bool probabilities = ModelArguments.OutputsProbabilities(model) || (string?)model.Layers[^1].GetConfig()["activation"] == "sigmoid";
        int limit = Math.Max(2, classes);
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= limit)
                throw new DeepSharpException($"Label {i} is {labels[i]}; model '{name}' has {classes} output{(classes == 1 ? " (a binary classifier: labels 0 or 1)" : "s (labels 0.." + (classes - 1) + ")")}.");
        Tensor targets;
        if (classes == 1)
        {
            model.Compile(new Adam(), new BinaryCrossentropy(fromLogits: !probabilities), [new BinaryAccuracy()]);
            targets = Tensor.Wrap(labels.Select(l => (float)l).ToArray(), n, 1);
        }
        else
        {
            model.Compile(new Adam(), new CategoricalCrossentropy(fromLogits: !probabilities), [new Accuracy()]);
            targets = DataUtils.ToCategorical(Tensor.FromArray(labels, n), classes);
        }
        var logs = model.Evaluate(x, targets, batchSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n} {what} - loss: {logs["loss"]:F4} - accuracy: {logs[classes == 1 ? "binary_accuracy" : "accuracy"]:F4}"));
    }

    private static void Names(Model model, FileInfo file, string? dataDir, string? vocabularyPath)
    {
        var (split, rebuilt) = NamesPresets.Data(dataDir);
        string beside = Path.Combine(file.DirectoryName!, "vocabulary.json");
        vocabularyPath ??= File.Exists(beside) ? beside : null;
        var vocabulary = vocabularyPath is null ? rebuilt : CharVocabulary.Load(vocabularyPath);
        CheckInput(file.Name, model.Layers[0].BuiltInputShape!.Value, new Shape(NamesPresets.Context), "names models take token ids");
        var data = new CharLanguageModelData(vocabulary, NamesPresets.Context);
        var (x, _) = data.Sequences(split.Test.Take(1).ToList());
        int outputs = Outputs(model, x);
        if (outputs != vocabulary.VocabularySize)
            throw new DeepSharpException($"Model '{file.Name}' predicts {outputs} tokens; the vocabulary ({vocabularyPath ?? "rebuilt from the names"}) has {vocabulary.VocabularySize}.");
        Tensor Logits(Tensor inputs) => model.Call(inputs);
        double test = data.NatsPerCharacter(split.Test, Logits), bigram = data.BigramNatsPerCharacter(split.Train, split.Test);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{split.Test.Count} test names - loss: {test:F4} nats/char (bigram baseline {bigram:F4})"));
    }

    private static void Spam(Model model, string name, string? dataDir, string? vocabularyPath, int batchSize)
    {
        var (x, y) = SpamTestSet.Encode(model, name, dataDir, vocabularyPath);
        CheckInput(name, model.Layers[0].BuiltInputShape!.Value, x.Shape.WithoutBatch(), "spam models take token ids");
        var truth = y.ToArray().Select(v => (int)v).ToArray();
        Classify(model, name, x, truth, "test e-mails", batchSize);
        var predicted = model.Predict(x, batchSize).ToArray();
        float threshold = (string?)model.Layers[^1].GetConfig()["activation"] == "sigmoid" ? 0.5f : 0f; // a probability, or a logit
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            bool spam = predicted[i] >= threshold, actual = truth[i] == 1;
            if (spam && actual) tp++;
            if (spam && !actual) fp++;
            if (!spam && actual) fn++;
        }
        double precision = tp / Math.Max(1.0, tp + fp), recall = tp / Math.Max(1.0, tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spam class - precision {precision:F4} - recall {recall:F4} - F1 {f1:F4}"));
    }
}
