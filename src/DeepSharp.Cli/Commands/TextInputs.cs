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
            yield return (chunk.Select(f => Path.GetFileName(f)).ToArray(), vectorizer.Vectorize(texts));
        }
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
