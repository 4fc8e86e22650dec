using System.Globalization;
using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>IntegerLookup</c>: integer values (int32, or float32 holding whole numbers) become vocabulary indices —
/// with Keras's defaults (one OOV index, no mask) an unknown value is 0 and the vocabulary's tokens 1, 2, …; with
/// <c>maskToken</c> the mask is 0 and the OOV indices follow it; several OOV indices take <c>value mod count</c> (floored,
/// as Keras). The vocabulary is given or learned by <see cref="Adapt(Tensor)"/> (most frequent first, ties by falling
/// value, as Keras). <c>outputMode</c> "int" (float32 whole numbers; Keras gives int64), "one_hot", "multi_hot", "count",
/// "tf_idf" (counts times inverse document frequencies, learned by Adapt or given as <c>idfWeights</c>; see
/// <see cref="IdfWeights"/>) (the mask token has no index outside "int": masked values are dropped); <c>invert</c> maps indices back to values (OOV
/// indices to <c>oovToken</c>). The vocabulary is part of the config, so model files keep it. No gradient.
/// </summary>
public sealed class IntegerLookup : Layer
{
    private const long MaxExactFloat = 1L << 24;
    private readonly LookupVocabulary<long> _vocabulary;
    private float[]? _idfWeights;

    /// <param name="vocabulary">The tokens (unique; not the mask or OOV token); null to learn them with Adapt. A list that
    /// starts with the special tokens, as <see cref="GetVocabulary"/> returns it, is taken without them.</param>
    /// <param name="maxTokens">The most indices in all (specials included); null: no limit.</param>
    /// <param name="numOovIndices">Indices for values outside the vocabulary (0: such a value is an error).</param>
    /// <param name="maskToken">The value that stands for padding (index 0 in "int" mode); null: none (Keras's default).</param>
    /// <param name="oovToken">The value <c>invert</c> gives for OOV indices (−1 as Keras).</param>
    /// <param name="outputMode">"int" (Keras's default), "one_hot", "multi_hot", "count" or "tf_idf".</param>
    /// <param name="invert">Map indices to values instead ("int" mode only).</param>
    /// <param name="padToMaxTokens">Non-int modes: vectors of maxTokens entries instead of the vocabulary's size.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer.</param>
    /// <param name="idfWeights">"tf_idf" with a vocabulary: one weight ≥ 0 per vocabulary token (the OOV indices take their
    /// mean), or one per entry when the vocabulary starts with the special tokens (Keras's idf_weights).</param>
    /// <exception cref="ArgumentException">A setting is out of range, the vocabulary is refused (repeated, special or too many tokens), or the idf weights are missing, misplaced or not one per entry.</exception>
    public IntegerLookup(long[]? vocabulary = null, int? maxTokens = null, int numOovIndices = 1, long? maskToken = null, long oovToken = -1,
        string outputMode = "int", bool invert = false, bool padToMaxTokens = false, string? name = null, int[]? inputShape = null, float[]? idfWeights = null) : base(name, inputShape)
    {
        if (numOovIndices is < 0 or > LookupVocabulary<long>.MaxSize) throw new ArgumentOutOfRangeException(nameof(numOovIndices), numOovIndices, "IntegerLookup needs num_oov_indices ≥ 0.");
        if (!CategoricalOutput.IsLookupMode(outputMode)) throw new ArgumentException($"IntegerLookup output_mode '{outputMode}' is not one of int, one_hot, multi_hot, count, tf_idf.", nameof(outputMode));
        if (idfWeights is not null && outputMode != "tf_idf") throw new ArgumentException($"IntegerLookup: idf_weights are for output_mode \"tf_idf\" only (this one is \"{outputMode}\").", nameof(idfWeights));
        if (outputMode == "tf_idf" && vocabulary is not null && idfWeights is null) throw new ArgumentException("IntegerLookup: output_mode \"tf_idf\" with a vocabulary needs its idf_weights (or Adapt instead of a vocabulary).", nameof(idfWeights));
        if (invert && outputMode != "int") throw new ArgumentException("IntegerLookup: invert needs output_mode \"int\".", nameof(invert));
        if (padToMaxTokens && (maxTokens is null || outputMode == "int")) throw new ArgumentException("IntegerLookup: pad_to_max_tokens needs max_tokens and an output_mode other than \"int\".", nameof(padToMaxTokens));
        if (maskToken is { } mask && numOovIndices > 0 && mask == oovToken) throw new ArgumentException($"IntegerLookup: the mask token and the OOV token are both {mask}.", nameof(maskToken));
        (OutputMode, Invert, PadToMaxTokens) = (outputMode, invert, padToMaxTokens);
        _vocabulary = new LookupVocabulary<long>($"IntegerLookup '{Name}'", maskToken is not null, maskToken ?? 0, oovToken, numOovIndices, outputMode == "int", maxTokens, EqualityComparer<long>.Default);
        if (maxTokens is { } max && max < _vocabulary.TokenStart + 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"IntegerLookup: max_tokens must leave room for a token after the {_vocabulary.TokenStart} special indices.");
        if (vocabulary is not null) SetVocabulary(vocabulary, idfWeights);
    }

    /// <inheritdoc/>
    public override string TypeName => "IntegerLookup";
    /// <summary>"int", "one_hot", "multi_hot", "count" or "tf_idf".</summary>
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

    /// <summary>
    /// "tf_idf": the weight of every index of <see cref="GetVocabulary"/> (the OOV indices, then the tokens), as given or
    /// adapted (indices past them, under padToMaxTokens, weigh 0); null in the other modes or before a vocabulary is set.
    /// </summary>
    public IReadOnlyList<float>? IdfWeights => _idfWeights;

    /// <summary>Keras's get_vocabulary(): the mask ("int" mode) and OOV tokens in their places, then the tokens.</summary>
    public long[] GetVocabulary(bool includeSpecialTokens = true) => includeSpecialTokens ? [.. _vocabulary.WithSpecialTokens()] : [.. _vocabulary.Tokens];

    /// <summary>Replaces the vocabulary (Keras's set_vocabulary); "tf_idf" needs <paramref name="idfWeights"/> too (see the constructor).</summary>
    /// <exception cref="ArgumentException">A token is repeated or special, there are too many, (invert) one is beyond ±2^24, which float32 outputs cannot hold, or the idf weights are missing, misplaced or not one per entry.</exception>
    public void SetVocabulary(IReadOnlyList<long> tokens, IReadOnlyList<float>? idfWeights = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if ((OutputMode == "tf_idf") != (idfWeights is not null))
            throw new ArgumentException(OutputMode == "tf_idf" ? $"IntegerLookup '{Name}': output_mode \"tf_idf\" needs idf_weights with its vocabulary." : $"IntegerLookup '{Name}': idf_weights are for output_mode \"tf_idf\" only (this one is \"{OutputMode}\").", nameof(idfWeights));
        int specials = _vocabulary.TokenStart;
        bool specialsGiven = specials > 0 && tokens.Count >= specials && _vocabulary.WithSpecialTokens().GetRange(0, specials).SequenceEqual(tokens.Take(specials));
        var weights = idfWeights is null ? null : Layers.IdfWeights.Complete(idfWeights, specials, tokens.Count - (specialsGiven ? specials : 0), specialsGiven, $"IntegerLookup '{Name}'");
        _vocabulary.Set(tokens, Show);
        _idfWeights = weights;
        if (Invert)
            foreach (long t in _vocabulary.Tokens)
                if (Math.Abs(t) > MaxExactFloat) throw new ArgumentException($"IntegerLookup '{Name}' (invert): token {t} is beyond ±2^24, which the float32 output cannot hold exactly.");
    }

    /// <summary>
    /// Learns the vocabulary from every value of <paramref name="data"/> (replacing any earlier one). For "tf_idf" each
    /// sample (row of the first axis) is one document, and each value of (batch,) data one, as Keras.
    /// </summary>
    /// <exception cref="DeepSharpException">A value is not a whole number.</exception>
    public void Adapt(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Invert) throw new InvalidOperationException($"IntegerLookup '{Name}' maps indices to values (invert); give it the vocabulary instead of Adapt.");
        var values = new long[data.Size];
        for (int i = 0; i < values.Length; i++) values[i] = Value(data, i);
        _vocabulary.Adapt(values, Comparer<long>.Default, Show);
        if (OutputMode == "tf_idf")
        {
            int perDocument = data.Rank <= 1 || data.Shape[0] == 0 ? 1 : data.Size / data.Shape[0];
            var documents = values.Chunk(Math.Max(1, perDocument));
            _idfWeights = Layers.IdfWeights.Complete(Layers.IdfWeights.FromDocuments(_vocabulary.Tokens, documents, EqualityComparer<long>.Default),
                _vocabulary.TokenStart, _vocabulary.Tokens.Count, false, $"IntegerLookup '{Name}'");
        }
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
        var output = CategoricalOutput.Encode(OutputMode, indices, x.Shape, Depth, $"Layer '{Name}' (IntegerLookup)");
        return OutputMode == "tf_idf" ? Layers.IdfWeights.Apply(output, _idfWeights!) : output;
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
        // tf_idf: the vocabulary with its special tokens, so that idf_weights (one per entry) keeps the OOV indices' weights.
        var tokens = _idfWeights is not null ? _vocabulary.WithSpecialTokens() : (IEnumerable<long>)_vocabulary.Tokens;
        config["vocabulary"] = IsAdapted ? new JsonArray([.. tokens.Select(t => (JsonNode)t)]) : null;
        if (_idfWeights is not null) config["idf_weights"] = new JsonArray([.. _idfWeights.Select(w => (JsonNode)w)]);
        return config;
    }

    internal static IntegerLookup FromConfig(LayerConfig c)
    {
        if (c.Bool("sparse", false)) throw c.Error("sparse", "is not supported (DeepSharp's tensors are dense)");
        string mode = c.String("output_mode", "int");
        if (!CategoricalOutput.IsLookupMode(mode)) throw c.Error("output_mode", $"'{mode}' is not one of int, one_hot, multi_hot, count, tf_idf");
        string dtype = c.String("vocabulary_dtype", "int64");
        if (dtype is not ("int64" or "int32")) throw c.Error("vocabulary_dtype", $"'{dtype}' is not int64 or int32");
        var vocabulary = LongList(c, "vocabulary");
        var idf = FloatList(c, "idf_weights", vocabulary?.Length ?? 0);
        try
        {
            return new IntegerLookup(vocabulary, c.OptionalInt("max_tokens", 1, CategoryEncoding.MaxTokens), c.Int("num_oov_indices", 1, 0, LookupVocabulary<long>.MaxSize),
                OptionalLong(c, "mask_token"), OptionalLong(c, "oov_token") ?? -1, mode, c.Bool("invert", false), c.Bool("pad_to_max_tokens", false), c.Name, c.Shape("input_shape"), idf);
        }
        catch (ArgumentException e)
        {
            throw c.Error(idf is not null && e.ParamName == "idfWeights" ? "idf_weights" : vocabulary is null ? "output_mode" : "vocabulary", $"does not make a layer ({e.Message})");
        }
    }

    private static long? OptionalLong(LayerConfig c, string key) =>
        c.Json[key] is not { } node ? null : node is JsonValue v && v.TryGetValue(out long value) ? value : throw c.Error(key, "must be an integer");

    /// <summary>
    /// 'idf_weights': null, or a list of as many numbers as <paramref name="entries"/> (the vocabulary's), each finite and ≥ 0.
    /// </summary>
    private static float[]? FloatList(LayerConfig c, string key, int entries)
    {
        var node = c.Json[key];
        if (node is null) return null;
        if (node is not JsonArray array) throw c.Error(key, "must be a list of numbers");
        if (array.Count != entries) throw c.Error(key, $"holds {array.Count} weights; the vocabulary has {entries} entries");
        var values = new float[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (array[i] is not JsonValue v || !Number(v, out double w)) throw c.Error(key, $"holds a value at [{i}] that is not a number");
            if (!(w >= 0 && w <= float.MaxValue)) throw c.Error(key, $"holds {w.ToString(CultureInfo.InvariantCulture)} at [{i}]; weights must be finite numbers ≥ 0");
            values[i] = (float)w;
        }
        return values;
    }

    /// <summary>A number of a parsed config (double) or of one built in memory (float, int).</summary>
    private static bool Number(JsonValue v, out double value)
    {
        if (v.TryGetValue(out value)) return true;
        if (v.TryGetValue(out float f)) { value = f; return true; }
        if (v.TryGetValue(out int n)) { value = n; return true; }
        return false;
    }

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
