using System.Globalization;
using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>IntegerLookup</c>: integer values (int32, or float32 holding whole numbers) become vocabulary indices —
/// with Keras's defaults (one OOV index, no mask) an unknown value is 0 and the vocabulary's tokens 1, 2, …; with
/// <c>maskToken</c> the mask is 0 and the OOV indices follow it; several OOV indices take <c>value mod count</c> (floored,
/// as Keras). The vocabulary is given or learned by <see cref="Adapt(Tensor)"/> (most frequent first, ties by falling
/// value, as Keras). <c>outputMode</c> "int" (float32 whole numbers; Keras gives int64), "one_hot", "multi_hot", "count"
/// (the mask token has no index there: masked values are dropped); <c>invert</c> maps indices back to values (OOV
/// indices to <c>oovToken</c>). The vocabulary is part of the config, so model files keep it. No gradient.
/// </summary>
public sealed class IntegerLookup : Layer
{
    private const long MaxExactFloat = 1L << 24;
    private readonly LookupVocabulary<long> _vocabulary;

    /// <param name="vocabulary">The tokens (unique; not the mask or OOV token); null to learn them with Adapt. A list that
    /// starts with the special tokens, as <see cref="GetVocabulary"/> returns it, is taken without them.</param>
    /// <param name="maxTokens">The most indices in all (specials included); null: no limit.</param>
    /// <param name="numOovIndices">Indices for values outside the vocabulary (0: such a value is an error).</param>
    /// <param name="maskToken">The value that stands for padding (index 0 in "int" mode); null: none (Keras's default).</param>
    /// <param name="oovToken">The value <c>invert</c> gives for OOV indices (−1 as Keras).</param>
    /// <param name="outputMode">"int" (Keras's default), "one_hot", "multi_hot" or "count".</param>
    /// <param name="invert">Map indices to values instead ("int" mode only).</param>
    /// <param name="padToMaxTokens">Non-int modes: vectors of maxTokens entries instead of the vocabulary's size.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer.</param>
    /// <exception cref="ArgumentException">A setting is out of range or the vocabulary is refused (repeated, special or too many tokens).</exception>
    public IntegerLookup(long[]? vocabulary = null, int? maxTokens = null, int numOovIndices = 1, long? maskToken = null, long oovToken = -1,
        string outputMode = "int", bool invert = false, bool padToMaxTokens = false, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (numOovIndices is < 0 or > LookupVocabulary<long>.MaxSize) throw new ArgumentOutOfRangeException(nameof(numOovIndices), numOovIndices, "IntegerLookup needs num_oov_indices ≥ 0.");
        if (!CategoricalOutput.IsMode(outputMode)) throw new ArgumentException($"IntegerLookup output_mode '{outputMode}' is not one of int, one_hot, multi_hot, count (tf_idf is not supported).", nameof(outputMode));
        if (invert && outputMode != "int") throw new ArgumentException("IntegerLookup: invert needs output_mode \"int\".", nameof(invert));
        if (padToMaxTokens && (maxTokens is null || outputMode == "int")) throw new ArgumentException("IntegerLookup: pad_to_max_tokens needs max_tokens and an output_mode other than \"int\".", nameof(padToMaxTokens));
        if (maskToken is { } mask && numOovIndices > 0 && mask == oovToken) throw new ArgumentException($"IntegerLookup: the mask token and the OOV token are both {mask}.", nameof(maskToken));
        (OutputMode, Invert, PadToMaxTokens) = (outputMode, invert, padToMaxTokens);
        _vocabulary = new LookupVocabulary<long>($"IntegerLookup '{Name}'", maskToken is not null, maskToken ?? 0, oovToken, numOovIndices, outputMode == "int", maxTokens, EqualityComparer<long>.Default);
        if (maxTokens is { } max && max < _vocabulary.TokenStart + 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"IntegerLookup: max_tokens must leave room for a token after the {_vocabulary.TokenStart} special indices.");
        if (vocabulary is not null) SetVocabulary(vocabulary);
    }

    /// <inheritdoc/>
    public override string TypeName => "IntegerLookup";
    /// <summary>"int", "one_hot", "multi_hot" or "count".</summary>
    public string OutputMode { get; }
    /// <summary>Whether the layer maps indices back to values.</summary>
    public bool Invert { get; }
    /// <summary>Whether non-int outputs have maxTokens entries.</summary>
    public bool PadToMaxTokens { get; }
    /// <summary>The most indices in all, or null.</summary>
    public int? MaxTokens => _vocabulary.MaxTokens;
    /// <summary>The number of OOV indices.</summary>
    public int NumOovIndices => _vocabulary.NumOovIndices;
    /// <summary>The mask value, or null.</summary>
    public long? MaskToken => _vocabulary.HasMask ? _vocabulary.MaskToken : null;
    /// <summary>The value for OOV indices under invert.</summary>
    public long OovToken => _vocabulary.OovToken;
    /// <summary>Whether a vocabulary is set (given, adapted or loaded).</summary>
    public bool IsAdapted => _vocabulary.IsSet;
    /// <summary>Keras's vocabulary_size(): every index the layer gives (the depth of one_hot/multi_hot/count outputs).</summary>
    public int VocabularySize => _vocabulary.Size;

    /// <summary>Keras's get_vocabulary(): the mask ("int" mode) and OOV tokens in their places, then the tokens.</summary>
    public long[] GetVocabulary(bool includeSpecialTokens = true) => includeSpecialTokens ? [.. _vocabulary.WithSpecialTokens()] : [.. _vocabulary.Tokens];

    /// <summary>Replaces the vocabulary (Keras's set_vocabulary).</summary>
    /// <exception cref="ArgumentException">A token is repeated or special, there are too many, or (invert) one is beyond ±2^24, which float32 outputs cannot hold.</exception>
    public void SetVocabulary(IReadOnlyList<long> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _vocabulary.Set(tokens, Show);
        if (Invert)
            foreach (long t in _vocabulary.Tokens)
                if (Math.Abs(t) > MaxExactFloat) throw new ArgumentException($"IntegerLookup '{Name}' (invert): token {t} is beyond ±2^24, which the float32 output cannot hold exactly.");
    }

    /// <summary>Learns the vocabulary from every value of <paramref name="data"/> (replacing any earlier one).</summary>
    /// <exception cref="DeepSharpException">A value is not a whole number.</exception>
    public void Adapt(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Invert) throw new InvalidOperationException($"IntegerLookup '{Name}' maps indices to values (invert); give it the vocabulary instead of Adapt.");
        var values = new long[data.Size];
        for (int i = 0; i < values.Length; i++) values[i] = Value(data, i);
        _vocabulary.Adapt(values, Comparer<long>.Default, Show);
        if (!IsBuilt) Build(data.Shape.WithoutBatch());
    }

    internal override bool AcceptsInt32(int index) => true;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => CategoricalOutput.OutputShape(OutputMode, inputShape, Depth, $"Layer '{Name}' (IntegerLookup)");

    private int Depth => PadToMaxTokens ? MaxTokens!.Value : _vocabulary.Size;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!IsAdapted) throw new DeepSharpException($"Layer '{Name}' (IntegerLookup) has no vocabulary yet: give one or call Adapt.");
        if (Invert)
        {
            var values = Tensor.Empty(x.Shape);
            var y = values.Span;
            for (int i = 0; i < y.Length; i++) y[i] = _vocabulary.Invert(Value(x, i));
            return values;
        }
        var indices = new int[x.Size];
        for (int i = 0; i < indices.Length; i++) indices[i] = _vocabulary.Lookup(Value(x, i), FlooredMod, Show);
        return CategoricalOutput.Encode(OutputMode, indices, x.Shape, Depth, $"Layer '{Name}' (IntegerLookup)");
    }

    private static int FlooredMod(long value, int count) => (int)(((value % count) + count) % count);

    private static string Show(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Element <paramref name="i"/> as an integer; a float that is not a whole number is refused.</summary>
    private long Value(Tensor x, int i)
    {
        if (x.DType == DType.Int32) return x.IntSpan[i];
        float f = x.Span[i];
        if (f != MathF.Floor(f) || !float.IsFinite(f))
            throw new DeepSharpException($"Layer '{Name}' (IntegerLookup): input {x.Shape} holds {f.ToString(CultureInfo.InvariantCulture)} at element {i}; values must be whole numbers.");
        return (long)f;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["max_tokens"] = MaxTokens;
        config["num_oov_indices"] = NumOovIndices;
        config["mask_token"] = MaskToken;
        config["oov_token"] = OovToken;
        config["output_mode"] = OutputMode;
        config["invert"] = Invert;
        config["pad_to_max_tokens"] = PadToMaxTokens;
        config["sparse"] = false;
        config["vocabulary_dtype"] = "int64";
        config["vocabulary"] = IsAdapted ? new JsonArray([.. _vocabulary.Tokens.Select(t => (JsonNode)t)]) : null;
        return config;
    }

    internal static IntegerLookup FromConfig(LayerConfig c)
    {
        if (c.Bool("sparse", false)) throw c.Error("sparse", "is not supported (DeepSharp's tensors are dense)");
        if (c.Has("idf_weights")) throw c.Error("idf_weights", "is not supported (output_mode tf_idf is not)");
        string mode = c.String("output_mode", "int");
        if (!CategoricalOutput.IsMode(mode)) throw c.Error("output_mode", $"'{mode}' is not one of int, one_hot, multi_hot, count");
        string dtype = c.String("vocabulary_dtype", "int64");
        if (dtype is not ("int64" or "int32")) throw c.Error("vocabulary_dtype", $"'{dtype}' is not int64 or int32");
        var vocabulary = LongList(c, "vocabulary");
        try
        {
            return new IntegerLookup(vocabulary, c.OptionalInt("max_tokens", 1, CategoryEncoding.MaxTokens), c.Int("num_oov_indices", 1, 0, LookupVocabulary<long>.MaxSize),
                OptionalLong(c, "mask_token"), OptionalLong(c, "oov_token") ?? -1, mode, c.Bool("invert", false), c.Bool("pad_to_max_tokens", false), c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw c.Error(vocabulary is null ? "output_mode" : "vocabulary", $"does not make a layer ({e.Message})");
        }
    }

    private static long? OptionalLong(LayerConfig c, string key) =>
        c.Json[key] is not { } node ? null : node is JsonValue v && v.TryGetValue(out long value) ? value : throw c.Error(key, "must be an integer");

    /// <summary>A list of integers (at most <see cref="LookupVocabulary{T}.MaxSize"/>), or null.</summary>
    internal static long[]? LongList(LayerConfig c, string key)
    {
        var node = c.Json[key];
        if (node is null) return null;
        if (node is not JsonArray array) throw c.Error(key, "must be a list of integers");
        if (array.Count > LookupVocabulary<long>.MaxSize) throw c.Error(key, $"holds {array.Count} values; at most {LookupVocabulary<long>.MaxSize} are read");
        var values = new long[array.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = array[i] is JsonValue v && v.TryGetValue(out long value) ? value : throw c.Error(key, $"holds a value at [{i}] that is not an integer");
        return values;
    }
}
