namespace DeepSharp.Nn.Layers;

/// <summary>
/// The index layout of Keras's lookup layers (IntegerLookup, StringLookup), shared by both: in "int" mode the mask token
/// (when there is one) is index 0, then <see cref="NumOovIndices"/> out-of-vocabulary indices, then the tokens in
/// vocabulary order; in the other modes the mask token has no index (masked inputs are dropped) and the OOV indices come
/// first. An unknown token goes to the single OOV index, or with several to <c>first + bucket(token) mod count</c> (the
/// bucket in [0, count) is given by the caller: Keras takes the integer itself for IntegerLookup, FarmHash for strings).
/// </summary>
internal sealed class LookupVocabulary<T> where T : notnull
{
    /// <summary>The most tokens a vocabulary may hold (given, adapted or read from a file).</summary>
    public const int MaxSize = 1 << 20;

    private readonly Dictionary<T, int> _ids;
    private readonly List<T> _tokens = [];

    public LookupVocabulary(string owner, bool hasMask, T maskToken, T oovToken, int numOovIndices, bool intMode, int? maxTokens, IEqualityComparer<T> comparer)
    {
        (Owner, HasMask, MaskToken, OovToken, NumOovIndices, IntMode, MaxTokens) = (owner, hasMask, maskToken, oovToken, numOovIndices, intMode, maxTokens);
        _ids = new(comparer);
    }

    public string Owner { get; }
    public bool HasMask { get; }
    public T MaskToken { get; }
    public T OovToken { get; }
    public int NumOovIndices { get; }
    public bool IntMode { get; }
    public int? MaxTokens { get; }

    /// <summary>Whether a vocabulary has been set (given, adapted or loaded).</summary>
    public bool IsSet { get; private set; }
    /// <summary>The learned or given tokens, without the special ones.</summary>
    public IReadOnlyList<T> Tokens => _tokens;
    /// <summary>Indices before the first token: the mask (int mode) and the OOV indices.</summary>
    public int TokenStart => (IntMode && HasMask ? 1 : 0) + NumOovIndices;
    /// <summary>The OOV indices' first index.</summary>
    public int OovStart => IntMode && HasMask ? 1 : 0;
    /// <summary>Keras's vocabulary_size(): every index the layer can give.</summary>
    public int Size => TokenStart + _tokens.Count;

    /// <summary>Keras's get_vocabulary(): the specials in their places, then the tokens.</summary>
    public List<T> WithSpecialTokens()
    {
        var all = new List<T>(Size);
        if (IntMode && HasMask) all.Add(MaskToken);
        for (int i = 0; i < NumOovIndices; i++) all.Add(OovToken);
        all.AddRange(_tokens);
        return all;
    }

    /// <summary>Sets the tokens (a list that starts with the special tokens as <see cref="WithSpecialTokens"/> gives them is taken without them).</summary>
    /// <exception cref="ArgumentException">A token is repeated, is the mask or OOV token, or there are more than max_tokens allow.</exception>
    public void Set(IReadOnlyList<T> given, Func<T, string> show)
    {
        var specials = WithSpecialTokens().GetRange(0, TokenStart);
        int first = given.Count >= specials.Count && Enumerable.Range(0, specials.Count).All(i => _ids.Comparer.Equals(given[i], specials[i])) ? specials.Count : 0;
        int count = given.Count - first;
        if (count > MaxSize) throw new ArgumentException($"{Owner}: the vocabulary holds {count} tokens; at most {MaxSize} are allowed.");
        if (MaxTokens is { } max && TokenStart + count > max)
            throw new ArgumentException($"{Owner}: the vocabulary holds {count} tokens, but max_tokens {max} leaves room for {max - TokenStart} after the {TokenStart} special indices.");
        var ids = new Dictionary<T, int>(_ids.Comparer);
        for (int i = first; i < given.Count; i++)
        {
            T token = given[i];
            if (token is null) throw new ArgumentException($"{Owner}: vocabulary token [{i}] is null.");
            if (HasMask && _ids.Comparer.Equals(token, MaskToken)) throw new ArgumentException($"{Owner}: vocabulary token [{i}] ({show(token)}) is the mask token; the mask has its own index.");
            if (NumOovIndices > 0 && _ids.Comparer.Equals(token, OovToken)) throw new ArgumentException($"{Owner}: vocabulary token [{i}] ({show(token)}) is the OOV token; it has its own indices.");
            if (!ids.TryAdd(token, TokenStart + i - first)) throw new ArgumentException($"{Owner}: vocabulary token [{i}] ({show(token)}) is repeated; every token must be unique.");
        }
        _ids.Clear();
        foreach (var (token, id) in ids) _ids[token] = id;
        _tokens.Clear();
        for (int i = first; i < given.Count; i++) _tokens.Add(given[i]);
        IsSet = true;
    }

    /// <summary>
    /// Keras's adapt: the tokens by falling frequency, ties broken by the token itself in falling order (Keras sorts with
    /// NumPy's lexsort and reverses), the mask and OOV tokens left out, cut to max_tokens.
    /// </summary>
    public void Adapt(IEnumerable<T> values, IComparer<T> order, Func<T, string> show)
    {
        var counts = new Dictionary<T, long>(_ids.Comparer);
        foreach (T value in values)
        {
            if (HasMask && _ids.Comparer.Equals(value, MaskToken)) continue;
            if (NumOovIndices > 0 && _ids.Comparer.Equals(value, OovToken)) continue;
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }
        var ordered = counts.OrderByDescending(p => p.Value).ThenByDescending(p => p.Key, order).Select(p => p.Key);
        int room = Math.Min(MaxSize, MaxTokens is { } max ? Math.Max(0, max - TokenStart) : int.MaxValue);
        Set(ordered.Take(room).ToList(), show);
    }

    /// <summary>The index of <paramref name="value"/>; −1 for a masked value outside int mode; OOV indices for unknown values.</summary>
    /// <exception cref="DeepSharpException">The value is unknown and there are no OOV indices.</exception>
    public int Lookup(T value, Func<T, int, int> oovBucket, Func<T, string> show)
    {
        if (HasMask && _ids.Comparer.Equals(value, MaskToken)) return IntMode ? 0 : -1;
        if (_ids.TryGetValue(value, out int id)) return id;
        if (NumOovIndices == 0)
            throw new DeepSharpException($"{Owner}: {show(value)} is not in the vocabulary and num_oov_indices is 0 (set num_oov_indices to 1 to map unknown values to an OOV index).");
        return NumOovIndices == 1 ? OovStart : OovStart + oovBucket(value, NumOovIndices);
    }

    /// <summary>Keras's invert: the token of <paramref name="index"/>; the mask token at its index, the OOV token for OOV and unknown indices.</summary>
    public T Invert(long index)
    {
        if (IntMode && HasMask && index == 0) return MaskToken;
        long at = index - TokenStart;
        return at >= 0 && at < _tokens.Count ? _tokens[(int)at] : OovToken;
    }
}
