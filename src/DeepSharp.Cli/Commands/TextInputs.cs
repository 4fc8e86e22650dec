using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// Text files for <c>predict</c> with a model file that keeps its TextVectorizer (e.g. <c>train spam --out</c>):
/// one .txt file or a folder of them, each file's whole text one input, turned into token ids by that
/// vectorizer (its words, WordPiece pieces or BPE merges); batches hold at most 256 files.
/// </summary>
internal static class TextInputs
{
    public const int MaxBatch = 256;

    /// <summary>The largest text file predict reads: 16 MiB.</summary>
    public const long MaxBytes = 16 << 20;

    /// <summary>Whether <paramref name="input"/> names a .txt file or a folder holding .txt files, and the model reads text.</summary>
    public static bool IsText(string input, Model model) =>
        model.TextVectorizer is not null
        && (input.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || (Directory.Exists(input) && Directory.EnumerateFiles(input, "*.txt").Any()));

    /// <exception cref="FileAccessException">A file is missing, unreadable or larger than <see cref="MaxBytes"/>.</exception>
    public static IEnumerable<(string[] Names, Tensor Ids)> Batches(string input, Model model)
    {
        var vectorizer = model.TextVectorizer!;
        string[] files = File.Exists(input) || !Directory.Exists(input)
            ? [input]
            : [.. Directory.GetFiles(input, "*.txt").Order(StringComparer.Ordinal)];
        for (int start = 0; start < files.Length; start += MaxBatch)
        {
            var chunk = files[start..Math.Min(files.Length, start + MaxBatch)];
            var texts = chunk.Select(Read).ToArray();
            var inputs = vectorizer.Vectorize(texts);
            yield return (chunk.Select(f => Path.GetFileName(f)).ToArray(), vectorizer.OutputMode == "int" ? ToLength(inputs, SequenceLength(model)) : inputs);
        }
    }

    /// <summary>The positions of the model's (first) input: a vectorizer without an output sequence length pads to the longest text, the model takes its own.</summary>
    private static int? SequenceLength(Model model) =>
        (model is Sequential ? model.Layers[0].BuiltInputShape : model.Inputs[0].Shape) is { Rank: 1 } shape ? shape[0] : null;

    /// <summary>Rows of ids padded with 0 or truncated to <paramref name="length"/> positions (unchanged when the model's length is unknown or already theirs).</summary>
    private static Tensor ToLength(Tensor ids, int? length)
    {
        if (length is not { } n || ids.Shape[1] == n) return ids;
        int rows = ids.Shape[0], have = ids.Shape[1];
        var source = ids.ToIntArray();
        var data = new int[rows * n];
        for (int i = 0; i < rows; i++)
            source.AsSpan(i * have, Math.Min(have, n)).CopyTo(data.AsSpan(i * n));
        return Tensor.Wrap(data, rows, n);
    }

    private static string Read(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new FileAccessException(path, $"Text file '{path}' does not exist.");
            if (info.Length > MaxBytes) throw new FileAccessException(path, $"Text file '{path}' is {info.Length} bytes; predict reads at most {MaxBytes}.");
            return BoundedFile.ReadAllText(path, MaxBytes, "Text file"); // never past its length: /dev/zero says 0 bytes and never ends
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileAccessException(path, $"Cannot read text file '{path}': {e.Message}", e);
        }
    }
}
