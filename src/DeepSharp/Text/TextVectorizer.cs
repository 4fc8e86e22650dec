using System.Text;
using DeepSharp.Tensors;

namespace DeepSharp.Text;

/// <summary>How <see cref="TextVectorizer"/> normalises text before splitting (Keras's <c>standardize</c>).</summary>
public enum Standardize
{
    /// <summary>Text as given.</summary>
    None,

    /// <summary>Lower case (invariant culture), Unicode punctuation removed.</summary>
    LowerAndStripPunctuation,
}

/// <summary>How <see cref="TextVectorizer"/> cuts text into tokens (Keras's <c>split</c>).</summary>
public enum Split
{
    /// <summary>Runs of non-whitespace characters.</summary>
    Whitespace,

    /// <summary>Each character (UTF-16 code unit).</summary>
    Character,
}

/// <summary>
/// Keras's TextVectorization in "int" mode, for strings outside the graph: <see cref="Adapt"/> learns
/// a vocabulary (most frequent first, ties in ordinal order, at most <c>maxTokens</c> entries including
/// padding and "[UNK]"), <see cref="Vectorize"/> turns texts into an int32 tensor (texts, length) of
/// ids — 0 for padding (so Embedding's maskZero applies), 1 for unknown tokens — padded at the end
/// or truncated to <c>outputSequenceLength</c> (else to the longest text).
/// With a <see cref="ITextTokenizer"/> (e.g. <see cref="BpeTokenizer"/>) its ids are used instead,
/// shifted up by one so that 0 stays padding; no vocabulary is learned then.
/// Keras's other output modes ("multi_hot", "count", "tf_idf") give one float vector per text instead, of
/// <see cref="VocabularySize"/> − 1 entries: index 0 for "[UNK]", then the tokens (id i is index i − 1; padding has
/// none), as Keras's TextVectorization lays them out there; "tf_idf" multiplies the counts by the inverse document
/// frequencies (<see cref="IdfWeights"/>). With <c>padToMaxTokens</c> (Keras's <c>pad_to_max_tokens</c>) those vectors
/// have <c>maxTokens</c> entries whatever the vocabulary's size, the indices past it always 0.
/// </summary>
public sealed class TextVectorizer
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _vocabulary = ["", "[UNK]"];
    private float[]? _idfWeights;

    /// <param name="maxTokens">Largest vocabulary, padding and "[UNK]" included (at least 3); null: every token seen by <see cref="Adapt"/>.</param>
    /// <param name="outputSequenceLength">Ids per output row, padded or truncated; null: the longest text of each <see cref="Vectorize"/> call.</param>
    /// <param name="standardize">Normalisation applied before splitting (and before the tokenizer, when one is given).</param>
    /// <param name="split">How text is cut into tokens; not used with a tokenizer.</param>
    /// <param name="tokenizer">A ready tokenizer whose ids (plus one) are used instead of a learned vocabulary; null: learn one with <see cref="Adapt"/>.</param>
    /// <param name="outputMode">"int" (Keras's default: sequences of ids), "multi_hot", "count" or "tf_idf" (one vector per text; no tokenizer, no outputSequenceLength).</param>
    /// <param name="padToMaxTokens">"multi_hot", "count" and "tf_idf" only, with <paramref name="maxTokens"/>: vectors of <paramref name="maxTokens"/> entries even when the vocabulary is smaller (Keras's pad_to_max_tokens).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTokens"/> is below 3 ("int") or 2 (the other modes), or <paramref name="outputSequenceLength"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputMode"/> is unknown, a vector mode is given a tokenizer or an output sequence length, or <paramref name="padToMaxTokens"/> comes without maxTokens or with "int".</exception>
    public TextVectorizer(int? maxTokens = null, int? outputSequenceLength = null,
        Standardize standardize = Standardize.LowerAndStripPunctuation, Split split = Split.Whitespace, ITextTokenizer? tokenizer = null, string outputMode = "int",
        bool padToMaxTokens = false)
    {
        if (outputMode is not ("int" or "multi_hot" or "count" or "tf_idf")) throw new ArgumentException($"TextVectorizer output_mode '{outputMode}' is not one of int, multi_hot, count, tf_idf.", nameof(outputMode));
        if (outputMode != "int" && (tokenizer is not null || outputSequenceLength is not null))
            throw new ArgumentException($"TextVectorizer: output_mode \"{outputMode}\" gives one vector per text; it takes neither a tokenizer nor an output_sequence_length.", nameof(outputMode));
        if (maxTokens < (outputMode == "int" ? 3 : 2)) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "maxTokens must leave room for the special indices ([UNK], and padding in \"int\" mode) and one token.");
        if (outputSequenceLength is <= 0) throw new ArgumentOutOfRangeException(nameof(outputSequenceLength), outputSequenceLength, "outputSequenceLength must be positive.");
        if (padToMaxTokens && (maxTokens is null || outputMode == "int"))
            throw new ArgumentException($"TextVectorizer: pad_to_max_tokens needs max_tokens and an output_mode of multi_hot, count or tf_idf; got max_tokens {(maxTokens is { } m ? m : "null")} and output_mode \"{outputMode}\".", nameof(padToMaxTokens));
        (MaxTokens, OutputSequenceLength, StandardizeMode, SplitMode, Tokenizer, OutputMode) = (maxTokens, outputSequenceLength, standardize, split, tokenizer, outputMode);
        PadToMaxTokens = padToMaxTokens;
    }

    /// <summary>"int", "multi_hot", "count" or "tf_idf".</summary>
    public string OutputMode { get; }

    /// <summary>Whether the vectors of "multi_hot", "count" and "tf_idf" have <see cref="MaxTokens"/> entries whatever the vocabulary's size.</summary>
    public bool PadToMaxTokens { get; }

    /// <summary>
    /// The width of <see cref="Vectorize"/>'s vectors outside "int" mode: <see cref="MaxTokens"/> with
    /// <see cref="PadToMaxTokens"/>, else <see cref="VocabularySize"/> − 1 ("[UNK]" and the tokens; padding has no index).
    /// </summary>
    public int OutputWidth => PadToMaxTokens ? MaxTokens!.Value : _vocabulary.Count - 1;

    /// <summary>
    /// "tf_idf": the weight of each output index ("[UNK]", then the tokens), learned by <see cref="Adapt"/> (the "[UNK]"
    /// weight is the tokens' mean, as Keras) or given to <see cref="SetVocabulary"/>; null in the other modes.
    /// </summary>
    public IReadOnlyList<float>? IdfWeights => _idfWeights;

    /// <summary>The special ids before the tokens: padding and "[UNK]" in "int" mode, where padding counts towards maxTokens; "[UNK]" alone otherwise.</summary>
    private int Specials => OutputMode == "int" ? 2 : 1;

    /// <summary>The vocabulary's size limit, padding and "[UNK]" included; null when unlimited.</summary>
    public int? MaxTokens { get; }
    /// <summary>The fixed row length of <see cref="Vectorize"/>'s output; null when rows are as long as the longest text.</summary>
    public int? OutputSequenceLength { get; }
    /// <summary>The normalisation applied to every text first.</summary>
    public Standardize StandardizeMode { get; }
    /// <summary>How text is cut into tokens when no <see cref="Tokenizer"/> is given.</summary>
    public Split SplitMode { get; }
    /// <summary>The tokenizer that supplies the ids (shifted up by one so that 0 stays padding); null when the vocabulary is learned.</summary>
    public ITextTokenizer? Tokenizer { get; }

    /// <summary>The learned tokens by id ("" and "[UNK]" first); empty of learned tokens with a tokenizer.</summary>
    public IReadOnlyList<string> Vocabulary => _vocabulary;

    /// <summary>Ids in use: the input dimension of an Embedding that reads the output.</summary>
    public int VocabularySize => Tokenizer is { } t ? t.VocabularySize + 1 : _vocabulary.Count;

    /// <summary>Learns the vocabulary from <paramref name="texts"/> (replacing any earlier one).</summary>
    public TextVectorizer Adapt(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (Tokenizer is not null) throw new InvalidOperationException("A TextVectorizer with a tokenizer uses the tokenizer's vocabulary; Adapt does not apply.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var documents = new List<string[]>();
        foreach (var text in texts)
        {
            var tokens = Tokens(text).ToArray();
            if (OutputMode == "tf_idf") documents.Add(tokens);
            foreach (var token in tokens)
                counts[token] = counts.GetValueOrDefault(token) + 1;
        }
        var ordered = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key);
        if (MaxTokens is { } max) ordered = ordered.Take(max - Specials);
        _ids.Clear();
        _vocabulary.RemoveRange(2, _vocabulary.Count - 2);
        foreach (var token in ordered)
        {
            _ids[token] = _vocabulary.Count;
            _vocabulary.Add(token);
        }
        if (OutputMode == "tf_idf")
        {
            var tokens = _vocabulary.GetRange(2, _vocabulary.Count - 2);
            _idfWeights = Nn.Layers.IdfWeights.Complete(Nn.Layers.IdfWeights.FromDocuments(tokens, documents, StringComparer.Ordinal), 1, tokens.Count, false, "TextVectorizer");
        }
        return this;
    }

    /// <summary>
    /// Sets the vocabulary to <paramref name="tokens"/> in id order from id 2 (Keras's set_vocabulary):
    /// padding ("") and "[UNK]" keep ids 0 and 1. A list that starts with them, as <see cref="Vocabulary"/>
    /// returns it, is taken as it is. Replaces any earlier vocabulary.
    /// </summary>
    /// <exception cref="ArgumentException">A token is empty, "[UNK]" or repeated, or there are more than <see cref="MaxTokens"/> − 2; or, for "tf_idf", the idf weights are missing or not one per token (or per entry, with a leading "[UNK]").</exception>
    /// <exception cref="InvalidOperationException">The vectorizer uses a tokenizer's vocabulary.</exception>
    /// <param name="tokens">The tokens in id order; a list starting with "" and "[UNK]" (or, outside "int" mode, "[UNK]") has them taken off.</param>
    /// <param name="idfWeights">"tf_idf" only: one weight ≥ 0 per token ("[UNK]" then weighs their mean), or one per entry when the list starts with "[UNK]".</param>
    public TextVectorizer SetVocabulary(IEnumerable<string> tokens, IReadOnlyList<float>? idfWeights = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (Tokenizer is not null) throw new InvalidOperationException("A TextVectorizer with a tokenizer uses the tokenizer's vocabulary; SetVocabulary does not apply.");
        if ((OutputMode == "tf_idf") != (idfWeights is not null))
            throw new ArgumentException(OutputMode == "tf_idf" ? "TextVectorizer: output_mode \"tf_idf\" needs idf_weights with its vocabulary." : $"TextVectorizer: idf_weights are for output_mode \"tf_idf\" only (this one is \"{OutputMode}\").", nameof(idfWeights));
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<string> { "", "[UNK]" };
        var given = tokens as IReadOnlyList<string> ?? tokens.ToList();
        int first = given.Count >= 2 && given[0] == "" && given[1] == "[UNK]" ? 2 : OutputMode != "int" && given.Count >= 1 && given[0] == "[UNK]" ? 1 : 0;
        var weights = idfWeights is null ? null : Nn.Layers.IdfWeights.Complete(idfWeights, 1, given.Count - first, first == 1, "TextVectorizer");
        foreach (var token in given.Skip(first))
        {
            if (string.IsNullOrEmpty(token) || token == "[UNK]" || !ids.TryAdd(token, list.Count))
                throw new ArgumentException($"Vocabulary token {list.Count} ('{(token?.Length > 32 ? token[..32] + "..." : token)}') is empty, \"[UNK]\" or repeated.", nameof(tokens));
            list.Add(token);
            if (MaxTokens is { } max && list.Count - 2 > max - Specials)
                throw new ArgumentException($"The vocabulary has more than maxTokens − {Specials} = {max - Specials} tokens.", nameof(tokens));
        }
        _ids.Clear();
        foreach (var (token, id) in ids) _ids[token] = id;
        _vocabulary.Clear();
        _vocabulary.AddRange(list);
        _idfWeights = weights;
        return this;
    }

    /// <summary>The ids of one text, unpadded.</summary>
    public int[] Ids(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Tokenizer is { } tokenizer) return tokenizer.Encode(Standardized(text)).Select(id => id + 1).ToArray();
        if (_vocabulary.Count == 2) throw new InvalidOperationException("TextVectorizer has no vocabulary: call Adapt(texts) first.");
        return Tokens(text).Select(t => _ids.GetValueOrDefault(t, 1)).ToArray();
    }

    /// <summary>
    /// "int": an int32 tensor (texts, length) of ids, 0-padded at the end or truncated. The other modes: a float tensor
    /// (texts, <see cref="OutputWidth"/>) — 1 where the text holds the index's token ("multi_hot"), its count
    /// ("count"), or its count times the index's idf weight ("tf_idf"); 0 past the vocabulary under <see cref="PadToMaxTokens"/>.
    /// </summary>
    public Tensor Vectorize(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = texts.Select(Ids).ToArray();
        if (OutputMode != "int")
        {
            int depth = OutputWidth;
            var output = Tensor.Zeros(new Shape(rows.Length, depth));
            var o = output.Span;
            for (int i = 0; i < rows.Length; i++)
                foreach (int id in rows[i])
                {
                    int at = i * depth + id - 1;   // id 1 ("[UNK]") is index 0, then the tokens
                    o[at] = OutputMode == "multi_hot" ? 1f : o[at] + 1f;
                }
            return OutputMode == "tf_idf" ? Nn.Layers.IdfWeights.Apply(output, _idfWeights!) : output;
        }
        int length = OutputSequenceLength ?? (rows.Length == 0 ? 0 : rows.Max(r => r.Length));
        var data = new int[rows.Length * length];
        for (int i = 0; i < rows.Length; i++)
            rows[i].AsSpan(0, Math.Min(length, rows[i].Length)).CopyTo(data.AsSpan(i * length));
        return Tensor.Wrap(data, rows.Length, length);
    }

    /// <summary>The text of a row of ids (tokens joined by a space for whitespace splitting); padding is skipped.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var real = ids.Where(id => id != 0);
        if (Tokenizer is { } tokenizer) return tokenizer.Decode(real.Select(id => id - 1));
        var tokens = real.Select(id => (uint)id < (uint)_vocabulary.Count ? _vocabulary[id]
            : throw new ArgumentOutOfRangeException(nameof(ids), id, $"Id {id} is outside the vocabulary of {_vocabulary.Count} tokens."));
        return string.Join(SplitMode == Split.Whitespace ? " " : "", tokens);
    }

    private IEnumerable<string> Tokens(string text)
    {
        text = Standardized(text);
        return SplitMode == Split.Character
            ? text.Select(c => c.ToString())
            : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// <paramref name="text"/> as this vectorizer reads it before splitting or tokenizing: lower-cased and
    /// without punctuation under <see cref="Standardize.LowerAndStripPunctuation"/>, unchanged under
    /// <see cref="Standardize.None"/>. Train a subword tokenizer for this vectorizer on texts standardized so.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public string Standardized(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (StandardizeMode == Standardize.None) return text;
        var result = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
            if (!char.IsPunctuation(c)) result.Append(c);
        return result.ToString();
    }
}
