using System.Globalization;
using DeepSharp.Data.Datasets;
using DeepSharp.Metrics;
using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The pictures of a run in its --out folder (docs/plots.md): the curves (loss.png, accuracy.png, ...,
/// learning_rate.png), and from the test set a confusion matrix (confusion_matrix.png) with the misclassified
/// images (misclassified.png) for MNIST, or the worst-predicted texts (worst_predicted.md) for spam and names.
/// <c>deepsharp train</c> writes them after training, <c>deepsharp plot</c> again from the files.
/// </summary>
internal static class RunPictures
{
    public const string HistoryFileName = "history.json";
    public const string ConfusionFile = "confusion_matrix.png", MisclassifiedFile = "misclassified.png", WorstFile = "worst_predicted.md";

    public static readonly string[] MnistClasses = [.. ClassLabels.Names(10)];
    public static readonly string[] SpamClasses = ["ham", "spam"];

    /// <summary>Adds a <see cref="PlotCallback"/> that redraws the curves into <paramref name="output"/> each epoch (on the chief rank, when there is a folder).</summary>
    public static List<Callback> WithCurves(List<Callback> callbacks, DirectoryInfo? output)
    {
        if (output is not null && CliDistributed.IsChief) callbacks.Add(new PlotCallback(output.FullName));
        return callbacks;
    }

    /// <summary>After training: the curves of the whole history (a resumed run's included) in the folder.</summary>
    public static List<string> Curves(History history, string folder) => [.. CurvePlot.SaveAll(TrainingCurves.FromHistory(history), folder)];

    /// <summary>The confusion matrix and the misclassified test images of an image classifier.</summary>
    public static List<string> Images(Model model, Tensor xTest, Tensor yTest, IReadOnlyList<string> classNames, string folder, int batchSize)
    {
        var predicted = ClassLabels.FromPredictions(Probabilities(model, xTest, batchSize));
        var actual = ClassLabels.FromTargets(yTest);
        string confusion = Path.Combine(folder, ConfusionFile), misclassified = Path.Combine(folder, MisclassifiedFile);
        ConfusionMatrixPlot.Save(ConfusionMatrix.FromLabels(actual, predicted, classNames.Count), classNames, confusion);
        MisclassifiedGrid.Save(xTest, actual, predicted, classNames, misclassified);
        return [confusion, misclassified];
    }

    /// <summary>The confusion matrix of the spam classifier and the e-mails it was most wrong about.</summary>
    public static List<string> Spam(Model model, IReadOnlyList<Email> emails, Tensor xTest, Tensor yTest, string folder, int batchSize)
    {
        var probabilities = Probabilities(model, xTest, batchSize);
        var actual = ClassLabels.FromTargets(yTest);
        string confusion = Path.Combine(folder, ConfusionFile), worst = Path.Combine(folder, WorstFile);
        ConfusionMatrixPlot.Save(ConfusionMatrix.FromLabels(actual, ClassLabels.FromPredictions(probabilities), 2), SpamClasses, confusion);
        var p = probabilities.ToArray();
        var rows = emails.Select((email, i) => new TextPrediction(Gist(email.Text), SpamClasses[actual[i]],
            string.Create(CultureInfo.InvariantCulture, $"{SpamClasses[p[i] >= 0.5f ? 1 : 0]} (p(spam) {p[i]:F3})"), actual[i] == 1 ? 1 - p[i] : p[i]));
        WorstPredictions.Write(rows, worst, "Test e-mails the spam model was most wrong about", "p(wrong class)");
        return [confusion, worst];
    }

    /// <summary>The test names a character model found least likely, each with the character that surprised it most.</summary>
    public static List<string> Names(Model model, CharLanguageModelData data, IReadOnlyList<string> names, string folder)
    {
        var (x, y) = data.Sequences(names);
        var logits = model.Predict(x, 256).ToArray();
        var targets = y.ToIntArray();
        int context = data.Context, v = data.Vocabulary.VocabularySize;
        if (logits.Length != names.Count * context * v)
            throw new DeepSharpException($"The model predicts {logits.Length / Math.Max(1, names.Count * context)} tokens per position; the vocabulary has {v}.");
        var rows = new List<TextPrediction>();
        for (int n = 0; n < names.Count; n++)
        {
            double total = 0, worstLoss = -1;
            int count = 0, worstAt = 0, worstGuess = 0;
            for (int t = 0; t < context; t++)
            {
                int target = targets[n * context + t];
                if (target == 0) continue;
                var row = logits.AsSpan((n * context + t) * v, v);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double sum = 0;
                foreach (float l in row) sum += Math.Exp(l - max);
                double loss = max + Math.Log(sum) - row[target];
                total += loss;
                count++;
                if (loss > worstLoss) (worstLoss, worstAt, worstGuess) = (loss, t, System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row));
            }
            string name = names[n];
            string Char(int id) => id == data.MarkerId ? "(end)" : data.Vocabulary.Decode([id]);
            string actual = $"'{Char(targets[n * context + worstAt])}' after '{name[..Math.Min(worstAt, name.Length)]}'";
            rows.Add(new TextPrediction(name, actual, $"'{Char(worstGuess)}'", total / Math.Max(1, count)));
        }
        string worst = Path.Combine(folder, WorstFile);
        WorstPredictions.Write(rows, worst, "Test names the model found least likely (its biggest surprise in each)", "nats per character");
        return [worst];
    }

    /// <summary>Prints what was written, one line.</summary>
    public static void Report(string folder, IEnumerable<string> paths) =>
        Console.WriteLine($"Pictures in {folder}: {string.Join(", ", paths.Select(Path.GetFileName))}.");

    /// <summary>The model's outputs as probabilities: a one-output model without a sigmoid gives logits, which get one.</summary>
    private static Tensor Probabilities(Model model, Tensor x, int batchSize)
    {
        var outputs = model.Predict(x, batchSize);
        bool logits = outputs.Shape[-1] == 1 && (string?)model.Layers[^1].GetConfig()["activation"] != "sigmoid";
        if (!logits) return outputs;
        var p = outputs.ToArray().Select(l => 1f / (1f + MathF.Exp(-l))).ToArray();
        return Tensor.Wrap(p, outputs.Shape.ToArray());
    }

    /// <summary>What a reader recognises an e-mail by: its Subject line and the start of what follows the headers.</summary>
    private static string Gist(string email)
    {
        string subject = email.Split('\n').FirstOrDefault(l => l.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))?.Trim() ?? "";
        int body = email.IndexOf("\n\n", StringComparison.Ordinal);
        string start = body >= 0 ? email[(body + 2)..] : email;
        return subject.Length > 0 ? $"{subject} — {start}" : start;
    }
}
