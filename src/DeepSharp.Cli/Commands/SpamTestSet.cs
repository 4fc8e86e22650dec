using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The test e-mails of <c>train spam</c>'s split as a spam model reads them, for <c>evaluate --data spam</c>:
/// whole e-mails in (200) ids for <c>train spam</c>'s own models, bodies in (128) ids for models
/// fine-tuned from a pre-trained encoder (<c>train spam --encoder E</c>); words through the model
/// file's vectorizer, else <c>--vocabulary</c> (an encoder's vocabulary.txt), else a vectorizer learned
/// on the training part as <c>train spam</c> learns it.
/// </summary>
internal static class SpamTestSet
{
    /// <summary>Token ids (N, length) and targets (N, 1) of the test e-mails.</summary>
    /// <exception cref="DeepSharpException">A model fine-tuned from an encoder comes without a vocabulary.</exception>
    public static (Tensor X, Tensor Y) Encode(Model model, string name, string? dataDir, string? vocabularyPath)
    {
        bool bodies = model.Layers[0].BuiltInputShape is { Rank: 1 } shape && shape[0] == PretrainPresets.Length;
        if (!bodies)
        {
            if (model.TextVectorizer is { } own)
                return SpamPresets.Encode(own, SpamPresets.Split(dataDir).Test);
            var (split, learned) = SpamPresets.Data(dataDir);
            return SpamPresets.Encode(learned, split.Test);
        }
        TextVectorizer vectorizer = model.TextVectorizer
            ?? (vocabularyPath is not null ? SpamEncoderFolder.ReadVocabulary(vocabularyPath)
            : throw new DeepSharpException($"Model '{name}' reads e-mail bodies as {PretrainPresets.Length} ids of a pre-trained encoder's words, " +
                "and its file holds no vectorizer: give the encoder's vocabulary with --vocabulary E/vocabulary.txt."));
        var test = SpamPresets.Split(dataDir).Test;
        return (PretrainPresets.Encode(vectorizer, test), SpamPresets.Targets(test));
    }
}
