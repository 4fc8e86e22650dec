using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>The classifiers of <c>deepsharp train spam</c>: a bidirectional LSTM and a Transformer encoder.</summary>
internal static class SpamPresets
{
    public const string Default = "lstm";
    public static readonly string[] Names = ["lstm", "transformer"];

    /// <summary>Words kept from each e-mail (its start: headers and the opening of the body).</summary>
    public const int Length = 200;

    /// <summary>Vocabulary size, padding and [UNK] included.</summary>
    public const int MaxTokens = 20000;

    /// <summary>
    /// The e-mails in <c>train spam</c>'s deterministic 80/10/10 split (seed 42, whatever --seed) and the
    /// words of the training part: <c>evaluate --data spam</c> rebuilds both to score the same test e-mails.
    /// </summary>
    public static (DataSplit<Email> Split, TextVectorizer Vectorizer) Data(string? dataDir)
    {
        var split = Split(dataDir);
        return (split, new TextVectorizer(MaxTokens, Length).Adapt(split.Train.Select(e => e.Text)));
    }

    /// <summary>The e-mails in <c>train spam</c>'s deterministic 80/10/10 split (seed 42, whatever --seed).</summary>
    public static DataSplit<Email> Split(string? dataDir) => DataSplit.Shuffled(SpamAssassin.Load(dataDir), 0.1, 0.1, seed: 42);

    /// <summary>Token ids (N, <see cref="Length"/>) and targets (N, 1): 1 for spam.</summary>
    public static (Tensor X, Tensor Y) Encode(TextVectorizer vectorizer, IReadOnlyList<Email> part) =>
        (vectorizer.Vectorize(part.Select(e => e.Text).ToArray()), Targets(part));

    /// <summary>The targets (N, 1): 1 for spam, 0 for ham.</summary>
    public static Tensor Targets(IReadOnlyList<Email> part) => Tensor.Wrap(part.Select(e => e.IsSpam ? 1f : 0f).ToArray(), part.Count, 1);

    public static Model Build(string preset, int vocabulary) => preset switch
    {
        "lstm" => new Sequential(
        [
            new Embedding(vocabulary, 32, inputShape: [Length], maskZero: true),
            new Bidirectional(new Lstm(32)),
            new Dense(1, Activation.Sigmoid),
        ], name: "spam_lstm"),
        "transformer" => Transformer(vocabulary),
        _ => throw new ArgumentException($"Unknown spam model '{preset}'; known: {string.Join(", ", Names)}."),
    };

    /// <summary>Embedding + learned positions → one pre-LN encoder block (2 heads) → Flatten → Dense(1, sigmoid).</summary>
    private static Model Transformer(int vocabulary)
    {
        var tokens = Model.Input([Length], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(vocabulary, 32).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(Length).Call(x));
        x = new TransformerEncoderBlock(numHeads: 2, intermediateDim: 64, dropout: 0.1f).Call(x);
        x = new Flatten().Call(x);
        x = new Dropout(0.3f).Call(x);
        return new Functional(tokens, new Dense(1, Activation.Sigmoid).Call(x), name: "spam_transformer");
    }
}
