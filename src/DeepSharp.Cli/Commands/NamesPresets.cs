using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>The character models of <c>deepsharp train names</c>: a small decoder-only Transformer and an LSTM.</summary>
internal static class NamesPresets
{
    public const string Default = "gpt";
    public static readonly string[] Names = ["gpt", "lstm"];

    /// <summary>Positions a model sees: the longest name (15) plus the start marker.</summary>
    public const int Context = 16;

    /// <summary>Epochs and learning rate: the LSTM overfits the ~4k training names after ~12 epochs.</summary>
    public static (int Epochs, float LearningRate) Defaults(string preset) => preset == "gpt" ? (30, 3e-3f) : (12, 5e-3f);

    /// <summary>
    /// The names in <c>train names</c>'s deterministic 80/10/10 split (seed 42, whatever --seed) and the
    /// vocabulary of all of them: <c>evaluate --data names</c> rebuilds both to score the same test names.
    /// </summary>
    public static (DataSplit<string> Split, CharVocabulary Vocabulary) Data(string? dataDir)
    {
        var names = FirstNames.Load(dataDir);
        return (DataSplit.Shuffled(names, 0.1, 0.1, seed: 42), CharVocabulary.Build(names, CharLanguageModelData.Marker.ToString()));
    }

    public static Model Build(string preset, int vocabulary) => preset switch
    {
        "gpt" => Gpt(vocabulary),
        "lstm" => new Sequential(
        [
            new Embedding(vocabulary, 64, inputShape: [Context]),
            new Lstm(256, returnSequences: true),
            new Dense(vocabulary),
        ], name: "names_lstm"),
        _ => throw new ArgumentException($"Unknown names model '{preset}'; known: {string.Join(", ", Names)}."),
    };

    /// <summary>Embedding + learned positions → 3 pre-LN causal decoder blocks (4 heads) → LayerNorm → Dense.</summary>
    private static Model Gpt(int vocabulary)
    {
        var tokens = Model.Input([Context], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(vocabulary, 96).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(Context).Call(x));
        for (int i = 0; i < 3; i++) x = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 384, dropout: 0.1f).Call(x);
        x = new LayerNormalization(epsilon: 1e-5f).Call(x);
        return new Functional(tokens, new Dense(vocabulary).Call(x), name: "names_gpt");
    }
}
