using System.Text;
using DeepSharp.Nn.Hashes;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Text;

/// <summary>
/// Keras's <c>StringLookup</c>, for strings outside the float tensors (as <see cref="TextVectorizer"/>): strings become
/// vocabulary indices with the layout of <see cref="IntegerLookup"/> — by default an unknown string is 0 ("[UNK]") and
/// the tokens 1, 2, …; with <c>maskToken</c> (e.g. "") the mask is 0 and the OOV indices follow; several OOV indices take
/// FarmHash Fingerprint64 of the string's UTF-8 bytes mod their count (as Keras). The vocabulary is given or learned by
/// <see cref="Adapt(IEnumerable{string})"/> (most frequent first, ties by falling ordinal order, as Keras). <see cref="Lookup"/> gives the
/// model's input tensor in <c>outputMode</c> "int" (float32 whole numbers), "one_hot", "multi_hot", "count" or "tf_idf"
/// (counts times inverse document frequencies: learned by Adapt as log(1 + documents / (1 + documents holding the
/// token)), or given as <c>idfWeights</c>);
/// <see cref="Tokens"/> maps indices back (Keras's invert). Kept in model files as <c>Model.StringLookup</c>.
/// </summary>
public sealed class StringLookup
{
    private readonly LookupVocabulary<string> _vocabulary;
    private float[]? _idfWeights;

    /// <param name="vocabulary">The tokens (unique, not the mask or OOV token); null to learn them with Adapt. A list that
    /// starts with the special tokens, as <see cref="GetVocabulary"/> returns it, is taken without them.</param>
    /// <param name="maxTokens">The most indices in all (specials included); null: no limit.</param>
    /// <param name="numOovIndices">Indices for strings outside the vocabulary (0: such a string is an error).</param>
    /// <param name="maskToken">The string that stands for padding (index 0 in "int" mode); null: none (Keras's default).</param>
    /// <param name="oovToken">The string <see cref="Tokens"/> gives for OOV indices ("[UNK]" as Keras).</param>
    /// <param name="outputMode">"int" (Keras's default), "one_hot", "multi_hot", "count" or "tf_idf".</param>
    /// <param name="invert">Keras's invert: this stage maps indices to strings (<see cref="Tokens"/>); Lookup is refused.</param>
    /// <param name="padToMaxTokens">Non-int modes: vectors of maxTokens entries instead of the vocabulary's size.</param>
    /// <param name="idfWeights">"tf_idf" with a vocabulary: one weight ≥ 0 per vocabulary token (the OOV indices take their
    /// mean), or one per entry when the vocabulary starts with the special tokens (Keras's idf_weights).</param>
    /// <exception cref="ArgumentException">A setting is out of range, the vocabulary is refused, or the idf weights are missing, misplaced or not one per entry.</exception>
    public StringLookup(IEnumerable<string>? vocabulary = null, int? maxTokens = null, int numOovIndices = 1, string? maskToken = null, string oovToken = "[UNK]",
        string outputMode = "int", bool invert = false, bool padToMaxTokens = false, IReadOnlyList<float>? idfWeights = null)
    {
        ArgumentNullException.ThrowIfNull(oovToken);
        if (numOovIndices is < 0 or > LookupVocabulary<string>.MaxSize) throw new ArgumentOutOfRangeException(nameof(numOovIndices), numOovIndices, "StringLookup needs num_oov_indices ≥ 0.");
        if (!CategoricalOutput.IsLookupMode(outputMode)) throw new ArgumentException($"StringLookup output_mode '{outputMode}' is not one of int, one_hot, multi_hot, count, tf_idf.", nameof(outputMode));
        if (idfWeights is not null && outputMode != "tf_idf") throw new ArgumentException($"StringLookup: idf_weights are for output_mode \"tf_idf\" only (this one is \"{outputMode}\").", nameof(idfWeights));
        if (outputMode == "tf_idf" && vocabulary is not null && idfWeights is null) throw new ArgumentException("StringLookup: output_mode \"tf_idf\" with a vocabulary needs its idf_weights (or Adapt instead of a vocabulary).", nameof(idfWeights));
        if (invert && outputMode != "int") throw new ArgumentException("StringLookup: invert needs output_mode \"int\".", nameof(invert));
        if (padToMaxTokens && (maxTokens is null || outputMode == "int")) throw new ArgumentException("StringLookup: pad_to_max_tokens needs max_tokens and an output_mode other than \"int\".", nameof(padToMaxTokens));
        if (maskToken is not null && numOovIndices > 0 && maskToken == oovToken) throw new ArgumentException($"StringLookup: the mask token and the OOV token are both '{maskToken}'.", nameof(maskToken));
        if (maxTokens is > CategoryEncodingLimit) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"StringLookup: max_tokens above {CategoryEncodingLimit}.");
        (OutputMode, Invert, PadToMaxTokens) = (outputMode, invert, padToMaxTokens);
        _vocabulary = new LookupVocabulary<string>("StringLookup", maskToken is not null, maskToken ?? "", oovToken, numOovIndices, outputMode == "int", maxTokens, StringComparer.Ordinal);
        if (maxTokens is { } max && max < _vocabulary.TokenStart + 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"StringLookup: max_tokens must leave room for a token after the {_vocabulary.TokenStart} special indices.");
        if (vocabulary is not null) SetVocabulary(vocabulary, idfWeights);
    }

    private const int CategoryEncodingLimit = 1 << 24;

    /// <summary>The longest token, in UTF-16 code units, a vocabulary may hold.</summary>
    public const int MaxTokenLength = 4096;

    /// <summary>"int", "one_hot", "multi_hot", "count" or "tf_idf".</summary>
    public string OutputMode { get; }
    /// <summary>Whether this stage maps indices to strings.</summary>
    public bool Invert { get; }
    /// <summary>Whether non-int outputs have maxTokens entries.</summary>
    public bool PadToMaxTokens { get; }
    /// <summary>The most indices in all, or null.</summary>
    public int? MaxTokens => _vocabulary.MaxTokens;
    /// <summary>The number of OOV indices.</summary>
    public int NumOovIndices => _vocabulary.NumOovIndices;
    /// <summary>The mask string, or null.</summary>
    public string? MaskToken => _vocabulary.HasMask ? _vocabulary.MaskToken : null;
    /// <summary>The string for OOV indices.</summary>
    public string OovToken => _vocabulary.OovToken;
    /// <summary>Whether a vocabulary is set.</summary>
    public bool IsAdapted => _vocabulary.IsSet;
    /// <summary>Keras's vocabulary_size(): every index this stage gives (an Embedding's input_dim; non-int outputs' width).</summary>
    public int VocabularySize => _vocabulary.Size;

    /// <summary>
    /// "tf_idf": the weight of every index of <see cref="GetVocabulary"/> (the OOV indices, then the tokens), as given or
    /// adapted (indices past them, under padToMaxTokens, weigh 0); null in the other modes or before a vocabulary is set.
    /// </summary>
    public IReadOnlyList<float>? IdfWeights => _idfWeights;

    /// <summary>Keras's get_vocabulary().</summary>
    public string[] GetVocabulary(bool includeSpecialTokens = true) => includeSpecialTokens ? [.. _vocabulary.WithSpecialTokens()] : [.. _vocabulary.Tokens];

    /// <summary>Replaces the vocabulary (Keras's set_vocabulary); "tf_idf" needs <paramref name="idfWeights"/> too (see the constructor).</summary>
    /// <exception cref="ArgumentException">A token is repeated, special, longer than <see cref="MaxTokenLength"/>, or there are too many; or the idf weights are missing, misplaced or not one per entry.</exception>
    public StringLookup SetVocabulary(IEnumerable<string> tokens, IReadOnlyList<float>? idfWeights = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if ((OutputMode == "tf_idf") != (idfWeights is not null))
            throw new ArgumentException(OutputMode == "tf_idf" ? "StringLookup: output_mode \"tf_idf\" needs idf_weights with its vocabulary." : $"StringLookup: idf_weights are for output_mode \"tf_idf\" only (this one is \"{OutputMode}\").", nameof(idfWeights));
        var list = tokens as IReadOnlyList<string> ?? tokens.ToList();
        for (int i = 0; i < list.Count; i++)
            if (list[i] is { Length: > MaxTokenLength } tooLong) throw new ArgumentException($"StringLookup: vocabulary token [{i}] ({Show(tooLong)}) is {tooLong.Length} characters long; at most {MaxTokenLength} are allowed.");
        var weights = idfWeights is null ? null : Nn.Layers.IdfWeights.Complete(idfWeights, _vocabulary.TokenStart, list.Count - Specials(list), Specials(list) > 0, "StringLookup");
        _vocabulary.Set(list, Show);
        _idfWeights = weights;
        return this;
    }

    /// <summary>How many of the special tokens (in their order) start <paramref name="list"/>: all of them or none.</summary>
    private int Specials(IReadOnlyList<string> list)
    {
        var specials = _vocabulary.WithSpecialTokens().GetRange(0, _vocabulary.TokenStart);
        bool given = list.Count >= specials.Count && Enumerable.Range(0, specials.Count).All(i => list[i] == specials[i]);
        return given ? specials.Count : 0;
    }

    /// <summary>
    /// Learns the vocabulary from <paramref name="values"/> (replacing any earlier one), each value one document for
    /// "tf_idf" (as Keras takes a plain list); strings longer than <see cref="MaxTokenLength"/> are refused.
    /// </summary>
    public StringLookup Adapt(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Adapt(values.Select(v => (IReadOnlyList<string>)[v]));
    }

    /// <summary>
    /// Learns the vocabulary from <paramref name="documents"/>, the rows of Keras's 2-D adapt data: every string counts
    /// for the vocabulary, and for "tf_idf" each row is one document of the inverse document frequencies.
    /// </summary>
    public StringLookup Adapt(IEnumerable<IReadOnlyList<string>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (Invert) throw new InvalidOperationException("This StringLookup maps indices to strings (invert); give it the vocabulary instead of Adapt.");
        var rows = new List<IReadOnlyList<string>>();
        int i = 0;
        foreach (var row in documents)
        {
            foreach (var v in row ?? throw new ArgumentException($"StringLookup: Adapt document [{rows.Count}] is null.", nameof(documents)))
            {
                if (v is null) throw new ArgumentException($"StringLookup: Adapt value [{i}] is null.", nameof(documents));
                if (v.Length > MaxTokenLength) throw new ArgumentException($"StringLookup: Adapt value [{i}] ({Show(v)}) is {v.Length} characters long; at most {MaxTokenLength} are allowed.", nameof(documents));
                i++;
            }
            rows.Add(row);
        }
        _vocabulary.Adapt(rows.SelectMany(r => r), StringComparer.Ordinal, Show);
        _idfWeights = OutputMode != "tf_idf" ? null
            : Nn.Layers.IdfWeights.Complete(Nn.Layers.IdfWeights.FromDocuments(_vocabulary.Tokens, rows, StringComparer.Ordinal), _vocabulary.TokenStart, _vocabulary.Tokens.Count, false, "StringLookup");
        return this;
    }

    /// <summary>
    /// The model's input for <paramref name="values"/> laid out as <paramref name="shape"/> (batch first; null: (count, 1),
    /// Keras's [['a'], ['b']]): indices in "int" mode, one_hot/multi_hot/count vectors otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">No vocabulary yet, or this stage inverts.</exception>
    /// <exception cref="DeepSharpException">A string is unknown and there are no OOV indices.</exception>
    public Tensor Lookup(IReadOnlyList<string> values, int[]? shape = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Invert) throw new InvalidOperationException("This StringLookup maps indices to strings (invert): call Tokens.");
        if (!IsAdapted) throw new InvalidOperationException("StringLookup has no vocabulary yet: give one or call Adapt.");
        var batchShape = new Shape(shape ?? [values.Count, 1]);
        if (batchShape.Size != values.Count) throw new ArgumentException($"StringLookup: shape {batchShape} does not hold {values.Count} strings.", nameof(shape));
        var indices = new int[values.Count];
        for (int i = 0; i < indices.Length; i++)
            indices[i] = _vocabulary.Lookup(values[i] ?? throw new ArgumentException($"StringLookup: string [{i}] is null.", nameof(values)), Bucket, Show);
        return CategoricalOutputOf(indices, batchShape);
    }

    /// <summary>The strings of <paramref name="indices"/> ("int" mode): the mask token at its index, the OOV token for OOV and unknown indices.</summary>
    /// <exception cref="InvalidOperationException">The stage is not in "int" mode or has no vocabulary.</exception>
    public string[] Tokens(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (OutputMode != "int") throw new InvalidOperationException($"StringLookup: indices map back to strings in output_mode \"int\" only (this one is \"{OutputMode}\").");
        if (!IsAdapted) throw new InvalidOperationException("StringLookup has no vocabulary yet: give one or call Adapt.");
        var strings = new string[indices.Size];
        for (int i = 0; i < strings.Length; i++)
        {
            long index;
            if (indices.DType == DType.Int32) index = indices.IntSpan[i];
            else
            {
                float f = indices.Span[i];
                index = float.IsFinite(f) && f == MathF.Floor(f) ? (long)f : -1; // not an index: OOV, as Keras's table default
            }
            strings[i] = _vocabulary.Invert(index);
        }
        return strings;
    }

    private Tensor CategoricalOutputOf(int[] indices, Shape batchShape)
    {
        var output = CategoricalOutput.Encode(OutputMode, indices, batchShape, PadToMaxTokens ? MaxTokens!.Value : VocabularySize, "StringLookup");
        return OutputMode == "tf_idf" ? Nn.Layers.IdfWeights.Apply(output, _idfWeights!) : output;
    }

    private static int Bucket(string value, int count)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return (int)(FarmHashFingerprint.Hash64(utf8) % (ulong)count);
    }

    private static string Show(string token) => token.Length > 32 ? $"'{token[..32]}...'" : $"'{token}'";
}
