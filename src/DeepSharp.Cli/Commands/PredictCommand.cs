using System.CommandLine;
using System.Globalization;
using DeepSharp.Autograd;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp predict MODEL FILE</c>: the predicted class and its probability for each image or .wav recording.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var input = new Argument<string>("FILE") { Description = "A PNG image, an idx3-ubyte images file, a folder of PNG images, sized as the model's input; or a .wav file (16-bit PCM mono) or a folder of them for a model that starts with a spectrogram layer." };
        var command = new Command("predict", "Predict the class of images or recordings with a model file.") { model, input };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(input)!));
        return command;
    }

    private static int Run(FileInfo file, string input)
    {
        var model = ModelArguments.Load(file);
        bool probabilities = ModelArguments.OutputsProbabilities(model);
        // Batches are read, predicted and printed one at a time: memory stays that of one batch.
        var batches = AudioInputs.IsAudio(input) ? AudioInputs.Batches(input, model) : ImageInputs.Batches(input, model.Layers[0].BuiltInputShape!.Value);
        foreach (var (names, images) in batches)
        {
            var outputs = model.Predict(images);
            if (outputs.Rank != 2) throw new DeepSharpException($"Model '{file.Name}' gives outputs {outputs.Shape}, not one score per class.");
            var p = (probabilities ? outputs : Ops.Softmax(outputs)).Span;
            int classes = outputs.Shape[1];
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
