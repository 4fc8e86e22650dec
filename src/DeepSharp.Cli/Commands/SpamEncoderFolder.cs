using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// An encoder folder written by <c>pretrain spam --out E</c>, read by <c>train spam --encoder E</c>:
/// its vocabulary (one word a line, padding's empty line and [UNK] first) and its model file, whose
/// trunk layers are loaded by name into the classifier.
/// </summary>
internal static class SpamEncoderFolder
{
    private const long MaxVocabularyBytes = 16 << 20;

    /// <summary>
    /// The vectorizer of the pre-trained tokens: the one kept in the encoder file (words, WordPiece pieces or
    /// BPE merges), or for an encoder written before the file kept it, its vocabulary.txt.
    /// </summary>
    /// <exception cref="FileAccessException">The folder, its model file or its vocabulary file is missing or unreadable.</exception>
    /// <exception cref="DataFormatException">The files are not ones the pretrain command writes.</exception>
    public static TextVectorizer ReadVectorizer(DirectoryInfo folder)
    {
        string modelPath = FilePath(folder, PretrainPresets.ModelFile);
        if (Model.Load(modelPath).TextVectorizer is { } kept)
        {
            if (kept.OutputSequenceLength != PretrainPresets.Length)
                throw new DataFormatException($"Encoder '{modelPath}': its vectorizer makes {kept.OutputSequenceLength} tokens per e-mail; the spam classifier reads {PretrainPresets.Length}.");
            return kept;
        }
        return ReadVocabulary(FilePath(folder, PretrainPresets.VocabularyFile));
    }

    /// <summary>The vectorizer of a vocabulary file as <c>pretrain spam</c> writes it (E/vocabulary.txt).</summary>
    /// <exception cref="FileAccessException">The file is missing or unreadable.</exception>
    /// <exception cref="DataFormatException">The file is not one the pretrain command writes.</exception>
    public static TextVectorizer ReadVocabulary(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxVocabularyBytes)
                throw new DataFormatException($"Vocabulary '{path}' is {info.Length} bytes; at most {MaxVocabularyBytes} are read.");
            text = BoundedFile.ReadAllText(path, MaxVocabularyBytes, "Vocabulary");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileAccessException(path, $"Cannot read the encoder's vocabulary '{path}': {e.Message}", e);
        }
        var words = text.Split('\n');
        if (words.Length > 0 && words[^1].Length == 0) words = words[..^1];
        try
        {
            return PretrainPresets.NewVectorizer().SetVocabulary(words);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"Vocabulary '{path}' is not a pretrain spam vocabulary: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads the pre-trained trunk into <paramref name="classifier"/> by layer name (Keras's
    /// <c>load_weights(by_name=True)</c>); fails unless every trunk weight was in the file with its shape.
    /// </summary>
    /// <returns>The number of weights loaded.</returns>
    /// <exception cref="FileAccessException">The model file is missing or unreadable.</exception>
    /// <exception cref="DataFormatException">The file lacks a trunk weight or holds one of another shape.</exception>
    public static int LoadTrunk(Model classifier, DirectoryInfo folder)
    {
        string path = FilePath(folder, PretrainPresets.ModelFile);
        var left = classifier.LoadWeights(path, skipMismatch: true, byName: true);
        var trunk = left.Where(line => PretrainPresets.TrunkLayers.Any(layer => line.StartsWith(layer + "/", StringComparison.Ordinal))).ToList();
        if (trunk.Count > 0)
            throw new DataFormatException($"Encoder '{path}' does not fit this classifier's encoder layers (pre-trained with other sizes?): {string.Join("; ", trunk.Take(5))}.");
        return classifier.Parameters.Count() - left.Count;
    }

    private static string FilePath(DirectoryInfo folder, string name)
    {
        if (!folder.Exists)
            throw new FileAccessException(folder.FullName, $"Encoder folder '{folder.FullName}' (--encoder) does not exist; write one with: deepsharp pretrain spam --out {folder.FullName}");
        string path = Path.Combine(folder.FullName, name);
        if (!File.Exists(path))
            throw new FileAccessException(path, $"Encoder folder '{folder.FullName}' has no {name}; it is written by: deepsharp pretrain spam --out {folder.FullName}");
        return path;
    }
}
