using System.CommandLine;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp generate MODEL [--vocabulary FILE] --count 20 --temperature 0.8 [--top-k K] [--top-p P] [--seed S]</c>:
/// samples words from a character model written by <c>deepsharp train names --out DIR</c>. MODEL is
/// that folder (DIR/model.safetensors and DIR/vocabulary.json) or the model file itself, its
/// vocabulary.json beside it unless <c>--vocabulary</c> names another.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var modelPath = new Argument<string>("MODEL") { Description = "A model file (model.safetensors) or the folder written by deepsharp train names --out." };
        var vocabularyPath = new Option<FileInfo?>("--vocabulary") { Description = "The model's vocabulary.json (default: the one beside the model file, or in the folder)." };
        var count = CommonOptions.Positive("--count", "How many names to generate.", 20);
        var temperature = new Option<float>("--temperature") { Description = "Softmax temperature (0: always the most likely character).", DefaultValueFactory = _ => 0.8f };
        temperature.Validators.Add(r => { if (r.GetValueOrDefault<float>() is var t && !(t >= 0f && t <= 100f)) r.AddError("--temperature must be in [0, 100]."); });
        var topK = CommonOptions.OptionalPositive("--top-k", "Sample only among the K most likely characters.");
        var topP = new Option<float?>("--top-p") { Description = "Sample only from the smallest set of characters whose probability reaches P (0 < P ≤ 1)." };
        topP.Validators.Add(r => { if (r.GetValueOrDefault<float?>() is { } p && !(p > 0f && p <= 1f)) r.AddError("--top-p must be in (0, 1]."); });
        var seed = CommonOptions.Seed();
        var command = new Command("generate", "Generate names with a trained character model.") { modelPath, vocabularyPath, count, temperature, topK, topP, seed };
        command.SetAction(result => Run(result.GetValue(modelPath)!, result.GetValue(vocabularyPath), result.GetValue(count), result.GetValue(temperature), result.GetValue(topK), result.GetValue(topP), result.GetValue(seed)));
        return command;
    }

    private static int Run(string given, FileInfo? vocabularyGiven, int count, float temperature, int? topK, float? topP, long seed)
    {
        var (modelPath, vocabularyPath) = Locate(given, vocabularyGiven?.FullName);
        var vocabulary = CharVocabulary.Load(vocabularyPath);
        var model = Model.Load(modelPath);
        var context = model.Layers[0].BuiltInputShape is { Rank: 1 } shape && shape[0] >= 2 ? shape[0]
            : throw new DataFormatException($"{modelPath}: a character model takes (batch, positions) token ids, at least 2 positions; its input is {model.Layers[0].BuiltInputShape}.");
        if (!vocabulary.SpecialIds.ContainsKey(CharLanguageModelData.Marker.ToString()))
            throw new DataFormatException($"{vocabularyPath}: the vocabulary lacks the end marker '{CharLanguageModelData.Marker}' among its special tokens.");
        var data = new CharLanguageModelData(vocabulary, context);
        var sampler = new TokenSampler(temperature, topK, topP, new RandomGenerator(seed));
        IReadOnlyList<string> words;
        try
        {
            words = TextGenerator.GenerateWords(model, data, count, sampler);
        }
        catch (ShapeMismatchException e)
        {
            throw new DataFormatException($"{vocabularyPath} does not fit {modelPath}: {e.Message}", e);
        }
        // Words are made of the vocabulary file's characters: escaped, so that file cannot drive the terminal.
        foreach (var name in words) Console.WriteLine(TerminalText.Escape(name));
        return 0;
    }

    /// <summary>The model file and its vocabulary for MODEL (a file or a folder) and --vocabulary; each must exist.</summary>
    internal static (string Model, string Vocabulary) Locate(string given, string? vocabularyGiven)
    {
        string full = Path.GetFullPath(given);
        string modelPath, written;
        if (Directory.Exists(full))
        {
            modelPath = Path.Combine(full, "model.safetensors");
            if (!File.Exists(modelPath))
                throw new FileAccessException(modelPath, $"Folder '{full}' holds no model.safetensors; give the model file, or the folder written by deepsharp train names --out.");
            written = full;
        }
        else if (File.Exists(full))
        {
            modelPath = full;
            written = Path.GetDirectoryName(full)!;
        }
        else
        {
            throw new FileAccessException(full, $"Model '{full}' does not exist: give a model file, or the folder written by deepsharp train names --out.");
        }
        string vocabularyPath = vocabularyGiven ?? Path.Combine(written, "vocabulary.json");
        if (!File.Exists(vocabularyPath))
            throw new FileAccessException(vocabularyPath, vocabularyGiven is not null
                ? $"Vocabulary '{vocabularyPath}' does not exist."
                : $"No vocabulary.json beside '{modelPath}' (looked for {vocabularyPath}); give --vocabulary FILE, or write both with deepsharp train names --out DIR.");
        return (modelPath, vocabularyPath);
    }
}
