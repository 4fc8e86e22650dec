using System.CommandLine;
using System.Globalization;
using DeepSharp.Autograd;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp predict MODEL FILE</c>: the predicted class and its probability for each image, .wav recording,
/// or .txt file (for a model file that keeps its TextVectorizer). A model with one sigmoid output gives class 1
/// when its score is at least 0.5, with the score of the class given. A .csv or .npy file gives samples of numbers,
/// as <c>evaluate --x</c> reads them (<see cref="UserData.PredictBatches"/>).
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var input = new Argument<string>("FILE") { Description = "A PNG image, an idx3-ubyte images file, a folder of PNG images, sized as the model's input; or a .wav file (16-bit PCM mono) or a folder of them for a model that starts with a spectrogram layer; or a .txt file or a folder of them for a model file that keeps its text vectorizer (train spam --out); or a .csv file (one sample a row, a header row skipped, a last label column ignored) or a .npy array of samples." };
        var command = new Command("predict", "Predict the class of images or recordings with a model file.") { model, input };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(input)!));
        return command;
    }

    private static int Run(FileInfo file, string input)
    {
        var model = ModelArguments.Load(file);
        bool probabilities = ModelArguments.OutputsProbabilities(model);
        // Batches are read, predicted and printed one at a time: memory stays that of one batch.
        var batches = TextInputs.IsText(input, model) ? TextInputs.Batches(input, model)
            : AudioInputs.IsAudio(input) ? AudioInputs.Batches(input, model)
            : UserData.IsTable(input) ? UserData.PredictBatches(input, model.Layers[0].BuiltInputShape!.Value)
            : ImageInputs.Batches(input, model.Layers[0].BuiltInputShape!.Value);
        foreach (var (names, images) in batches)
        {
            var outputs = model.Predict(images);
            if (outputs.Rank != 2) throw new DeepSharpException($"Model '{file.Name}' gives outputs {outputs.Shape}, not one score per class.");
            int classes = outputs.Shape[1];
            if (classes == 1)
            {
                // One score: a sigmoid's probability of class 1 (a logit when the model does not end in a sigmoid).
                var scores = outputs.Span;
                bool sigmoid = (string?)model.Layers[^1].GetConfig()["activation"] == "sigmoid";
                for (int i = 0; i < names.Length; i++)
                {
                    float score = sigmoid ? scores[i] : 1f / (1f + MathF.Exp(-scores[i]));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[i]}: {(score >= 0.5f ? 1 : 0)} ({(score >= 0.5f ? score : 1 - score):F4})"));
                }
                continue;
            }
            var p = (probabilities ? outputs : Ops.Softmax(outputs)).Span;
            for (int i = 0; i < names.Length; i++)
            {
                var row = p.Slice(i * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[i]}: {best} ({row[best]:F4})"));
            }
        }
        return 0;
    }
}
