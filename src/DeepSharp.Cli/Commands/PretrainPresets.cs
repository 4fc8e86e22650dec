using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The small BERT of <c>deepsharp pretrain spam</c> and of <c>train spam --encoder</c>: e-mail bodies as
/// words (a TextVectorizer learned on the training bodies, no labels), token + learned position
/// embeddings, two pre-LN Transformer encoder blocks; a masked-language-model head for pre-training
/// (LayerNorm, then Dense over the vocabulary, or with <c>tied</c> the token embedding's table in reverse,
/// BERT's tied head), or mean pooling and Dense(1, sigmoid) for spam. The trunk's layers have the same
/// names and weight paths in both models, so a classifier loads the pre-trained trunk by name.
/// </summary>
internal static class PretrainPresets
{
    /// <summary>Words kept from each body.</summary>
    public const int Length = 128;
    /// <summary>Vocabulary size, padding and [UNK] included; [MASK] is the id just above it.</summary>
    public const int MaxTokens = 5000;
    /// <summary>Width of the embeddings and of the encoder blocks.</summary>
    public const int Dim = 64;
    /// <summary>Attention heads per block.</summary>
    public const int Heads = 4;
    /// <summary>Hidden units of each block's feed-forward network.</summary>
    public const int Intermediate = 128;
    /// <summary>Encoder blocks.</summary>
    public const int Blocks = 2;

    /// <summary>The files of an encoder folder (<c>pretrain spam --out E</c>).</summary>
    public const string ModelFile = "encoder.safetensors", VocabularyFile = "vocabulary.txt";

    /// <summary>The names of the trunk's layers, the ones fine-tuning loads from the pre-trained file.</summary>
    public static readonly string[] TrunkLayers = ["token_embedding", "position_embedding", .. Enumerable.Range(0, Blocks).Select(i => $"encoder_{i}")];

    /// <summary>An e-mail's body: the text after the header block's first empty line (all of it when there is none).</summary>
    public static string Body(Email email)
    {
        string text = email.Text.Replace("\r\n", "\n", StringComparison.Ordinal);
        int end = text.IndexOf("\n\n", StringComparison.Ordinal);
        return end < 0 ? text : text[(end + 2)..];
    }

    /// <summary>A vectorizer of bodies with this preset's length and vocabulary size, not yet adapted.</summary>
    public static TextVectorizer NewVectorizer() => new(MaxTokens, Length);

    /// <summary>The tokenizers <c>pretrain spam --tokenizer</c> offers: whole words, or subwords learned from the bodies.</summary>
    public static readonly string[] Tokenizers = ["word", "wordpiece", "bpe"];

    /// <summary>
    /// A vectorizer learned from <paramref name="bodies"/> (no labels) with at most <paramref name="vocabulary"/> ids,
    /// padding included: the most frequent words (<c>word</c>, [UNK] for the rest), or WordPiece or BPE subwords
    /// trained on the standardized bodies (lower case, no punctuation), so that no word is unknown.
    /// </summary>
    public static TextVectorizer LearnVectorizer(string tokenizer, int vocabulary, IReadOnlyList<string> bodies)
    {
        if (tokenizer == "word") return new TextVectorizer(vocabulary, Length).Adapt(bodies);
        var standard = new TextVectorizer();
        var texts = bodies.Select(standard.Standardized).ToList();
        ITextTokenizer subwords = tokenizer switch
        {
            "wordpiece" => WordPieceTokenizer.Train(texts, vocabulary - 1),
            "bpe" => SubwordTokenizer.Train(texts, vocabulary - 1),
            _ => throw new ArgumentException($"Unknown tokenizer '{tokenizer}'; expected one of {string.Join(", ", Tokenizers)}.", nameof(tokenizer)),
        };
        return new TextVectorizer(outputSequenceLength: Length, tokenizer: subwords);
    }

    /// <summary>Token ids (N, <see cref="Length"/>) of the bodies.</summary>
    public static Tensor Encode(TextVectorizer vectorizer, IEnumerable<Email> emails) => vectorizer.Vectorize(emails.Select(Body).ToArray());

    /// <summary>
    /// The masked-language model: the trunk, then LayerNorm and logits over the words: (batch, Length,
    /// vocabulary) from a Dense layer of their own, or with <paramref name="tied"/> (batch, Length,
    /// vocabulary + 1) from the token embedding's table (the [MASK] id's logit included; it is never a label).
    /// </summary>
    public static Functional MaskedLanguageModel(int vocabulary, bool tied = false)
    {
        var embedding = tied ? new ReversibleEmbedding(vocabulary + 1, Dim, name: "token_embedding", maskZero: true) : null;
        var (tokens, x) = Trunk(vocabulary, embedding);
        x = new LayerNormalization(epsilon: 1e-5f, name: "mlm_norm").Call(x);
        var logits = embedding is null ? new Dense(vocabulary, name: "mlm_logits").Call(x) : embedding.Reverse(x);
        return new Functional(tokens, logits, name: "spam_mlm");
    }

    /// <summary>The spam classifier: the trunk, mean over the real tokens, dropout, Dense(1, sigmoid).</summary>
    public static Functional Classifier(int vocabulary)
    {
        var (tokens, x) = Trunk(vocabulary);
        x = new GlobalAveragePooling1D(name: "pool").Call(x);
        x = new Dropout(0.1f, name: "classifier_dropout").Call(x);
        return new Functional(tokens, new Dense(1, Activation.Sigmoid, name: "classifier").Call(x), name: "spam_bert");
    }

    /// <summary>The id of [MASK]: one above the vocabulary's ids.</summary>
    public static int MaskId(int vocabulary) => vocabulary;

    /// <summary>The trunk; <paramref name="tiedEmbedding"/> (a ReversibleEmbedding of the same size and name) takes the token embedding's place.</summary>
    private static (SymbolicTensor Tokens, SymbolicTensor X) Trunk(int vocabulary, Layer? tiedEmbedding = null)
    {
        var tokens = Model.Input([Length], name: "tokens", dtype: DType.Int32);
        var x = (tiedEmbedding ?? new Embedding(vocabulary + 1, Dim, name: "token_embedding", maskZero: true)).Call(tokens);
        x = new Add(name: "embedding_sum").Call(x, new PositionEmbedding(Length, name: "position_embedding").Call(x));
        for (int i = 0; i < Blocks; i++)
            x = new TransformerEncoderBlock(Heads, Intermediate, dropout: 0.1f, name: $"encoder_{i}").Call(x);
        return (tokens, x);
    }
}
