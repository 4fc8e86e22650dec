using System.CommandLine;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp generate MODEL [--prompt TEXT] [--max-length N] [--vocabulary FILE] --count 20 --temperature 0.8 [--top-k K] [--top-p P] [--seed S]</c>:
/// samples text from a causal model over token ids — a character model written by
/// <c>deepsharp train names --out DIR</c> (a name per line), or any model whose file keeps its text
/// vectorizer (characters, words or subwords; the prompt continued). MODEL is the model file or a folder
/// holding model.safetensors. The tokens come from the vectorizer in the model file; a file without one
/// (written before files kept it) takes vocabulary.json beside it, and <c>--vocabulary</c> names another.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var modelPath = new Argument<string>("MODEL") { Description = "A model file (model.safetensors) or the folder written by deepsharp train names --out." };
        var vocabularyPath = new Option<FileInfo?>("--vocabulary") { Description = "A character vocabulary.json to use instead of the text vectorizer in the model file (default: the model file's; for older files, the vocabulary.json beside it)." };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (default: none; a model without the end marker '.' needs one).", DefaultValueFactory = _ => "" };
        var maxLength = CommonOptions.OptionalPositive("--max-length", "The most tokens to generate per sample (default: until the end marker or the model's positions are full).");
        var count = CommonOptions.Positive("--count", "How many samples (names, continuations) to generate.", 20);
        var temperature = new Option<float>("--temperature") { Description = "Softmax temperature (0: always the most likely token).", DefaultValueFactory = _ => 0.8f };
        temperature.Validators.Add(r => { if (r.GetValueOrDefault<float>() is var t && !(t >= 0f && t <= 100f)) r.AddError("--temperature must be in [0, 100]."); });
        var topK = CommonOptions.OptionalPositive("--top-k", "Sample only among the K most likely tokens.");
        var topP = new Option<float?>("--top-p") { Description = "Sample only from the smallest set of tokens whose probability reaches P (0 < P ≤ 1)." };
        topP.Validators.Add(r => { if (r.GetValueOrDefault<float?>() is { } p && !(p > 0f && p <= 1f)) r.AddError("--top-p must be in (0, 1]."); });
        var seed = CommonOptions.Seed();
        var command = new Command("generate", "Generate text (names, continuations) with a trained character, word or subword model.") { modelPath, prompt, maxLength, vocabularyPath, count, temperature, topK, topP, seed };
        command.SetAction(result => Run(result.GetValue(modelPath)!, result.GetValue(vocabularyPath), result.GetValue(prompt)!, result.GetValue(maxLength),
            result.GetValue(count), result.GetValue(temperature), result.GetValue(topK), result.GetValue(topP), result.GetValue(seed)));
        return command;
    }

    private static int Run(string given, FileInfo? vocabularyGiven, string prompt, int? maxLength, int count, float temperature, int? topK, float? topP, long seed)
    {
        string modelPath = LocateModel(given);
        var model = Model.Load(modelPath);
        var context = model.Layers[0].BuiltInputShape is { Rank: 1 } shape && shape[0] >= 2 ? shape[0]
            : throw new DataFormatException($"{modelPath}: a text model takes (batch, positions) token ids, at least 2 positions; its input is {model.Layers[0].BuiltInputShape}.");
        var (vectorizer, source) = Vectorizer(model, modelPath, vocabularyGiven?.FullName, context);
        var sampler = new TokenSampler(temperature, topK, topP, new RandomGenerator(seed));
        for (int i = 0; i < count; i++)
        {
            string continuation;
            try
            {
                continuation = TextGenerator.Continue(model, vectorizer, prompt, sampler, maxLength);
            }
            catch (ShapeMismatchException e)
            {
                throw new DataFormatException($"{source} does not fit {modelPath}: {e.Message}", e);
            }
            catch (ArgumentException e)
            {
                throw new DeepSharpException($"{modelPath}: {e.Message.Split(" (Parameter")[0]}", e);
            }
            // Made of the vocabulary's tokens: escaped, so that a file cannot drive the terminal.
            Console.WriteLine(TerminalText.Escape(prompt + continuation));
        }
        return 0;
    }

    /// <summary>
    /// The vectorizer that gives the model's ids and where it comes from: --vocabulary when given, else the
    /// model file's own, else (files written before models kept it) vocabulary.json beside the model file.
    /// </summary>
    private static (TextVectorizer Vectorizer, string Source) Vectorizer(Model model, string modelPath, string? vocabularyGiven, int context)
    {
        if (vocabularyGiven is null && model.TextVectorizer is { } own) return (own, $"The text vectorizer in {modelPath}");
        string vocabularyPath = vocabularyGiven ?? Path.Combine(Path.GetDirectoryName(modelPath)!, "vocabulary.json");
        if (!File.Exists(vocabularyPath))
            throw new FileAccessException(vocabularyPath, vocabularyGiven is not null
                ? $"Vocabulary '{vocabularyPath}' does not exist."
                : $"'{modelPath}' holds no text vectorizer and there is no vocabulary.json beside it (looked for {vocabularyPath}); give --vocabulary FILE, or train with deepsharp train names --out DIR, which keeps the vocabulary in the model file.");
        var vocabulary = CharVocabulary.Load(vocabularyPath);
        if (!vocabulary.SpecialIds.ContainsKey(CharLanguageModelData.Marker.ToString()))
            throw new DataFormatException($"{vocabularyPath}: the vocabulary lacks the end marker '{CharLanguageModelData.Marker}' among its special tokens.");
        try
        {
            return (vocabulary.ToTextVectorizer(context), vocabularyPath);
        }
        catch (InvalidOperationException e)
        {
            throw new DataFormatException($"{vocabularyPath}: {e.Message}", e);
        }
    }

    /// <summary>The model file for MODEL (a file, or a folder holding model.safetensors); it must exist.</summary>
    internal static string LocateModel(string given)
    {
        string full = Path.GetFullPath(given);
        if (Directory.Exists(full))
        {
            string modelPath = Path.Combine(full, "model.safetensors");
            return File.Exists(modelPath) ? modelPath
                : throw new FileAccessException(modelPath, $"Folder '{full}' holds no model.safetensors; give the model file, or the folder written by deepsharp train names --out.");
        }
        return File.Exists(full) ? full
            : throw new FileAccessException(full, $"Model '{full}' does not exist: give a model file, or the folder written by deepsharp train names --out.");
    }
}
