using System.CommandLine;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>The MODEL argument of the commands that read a model file, and what they share.</summary>
internal static class ModelArguments
{
    public static Argument<FileInfo> Model() => new("MODEL") { Description = "A model file written by DeepSharp (model.safetensors)." };

    public static Model Load(FileInfo file)
    {
        if (!file.Exists) throw new FileAccessException(file.FullName, $"Model file '{file.FullName}' does not exist.");
        try
        {
            return DeepSharp.Training.Model.Load(file.FullName);
        }
        catch (MissingCustomObjectException e)
        {
            // The command line cannot load the program's own loss or metric: the architecture and weights still serve.
            Console.Error.WriteLine($"note: the model was compiled with the {e.Kind} '{TerminalText.Escape(e.ClassName)}' of the program that saved it; loaded uncompiled.");
            return DeepSharp.Training.Model.Load(file.FullName, compile: false);
        }
    }

    /// <summary>Whether the model's last layer ends in a softmax (its outputs are probabilities, not logits).</summary>
    public static bool OutputsProbabilities(Model model) =>
        (string?)model.Layers[^1].GetConfig()["activation"] == "softmax";
}
