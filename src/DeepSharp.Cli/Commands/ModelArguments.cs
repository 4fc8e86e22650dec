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
        return DeepSharp.Training.Model.Load(file.FullName);
    }

    /// <summary>Whether the model's last layer ends in a softmax (its outputs are probabilities, not logits).</summary>
    public static bool OutputsProbabilities(Model model) =>
        (string?)model.Layers[^1].GetConfig()["activation"] == "softmax";
}
