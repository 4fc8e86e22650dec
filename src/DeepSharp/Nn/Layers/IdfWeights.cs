using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The inverse document frequencies of Keras's lookup layers in output_mode "tf_idf": one weight per index (the OOV
/// indices first, then the vocabulary's tokens), and the output is each index's count in the sample times its weight.
/// Learned by adapt as Keras: idf = log(1 + documents / (1 + documents holding the token)), the OOV indices taking the
/// mean of the tokens' weights; given with a vocabulary, one weight per token (the OOV indices then take their mean) or,
/// when the vocabulary starts with the special tokens, one per entry of it.
/// </summary>
internal static class IdfWeights
{
    /// <summary>Keras's <c>log(1 + num_documents / (1 + token_document_count))</c> for each token.</summary>
    public static float[] FromDocuments<T>(IReadOnlyList<T> tokens, IEnumerable<IEnumerable<T>> documents, IEqualityComparer<T> comparer) where T : notnull
    {
        var index = new Dictionary<T, int>(tokens.Count, comparer);
        for (int i = 0; i < tokens.Count; i++) index[tokens[i]] = i;
        var holding = new long[tokens.Count];
        var seen = new HashSet<int>();
        long count = 0;
        foreach (var document in documents)
        {
            count++;
            seen.Clear();
            foreach (var token in document)
                if (index.TryGetValue(token, out int i) && seen.Add(i)) holding[i]++;
        }
        var weights = new float[tokens.Count];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)Math.Log(1 + (double)count / (1 + holding[i]));
        return weights;
    }

    /// <summary>
    /// The weights of every index before the padding: <paramref name="given"/> as it is when it holds one per index
    /// (<paramref name="tokenStart"/> special indices and <paramref name="tokens"/> tokens), or one per token with the
    /// special indices taking their mean.
    /// </summary>
    /// <exception cref="ArgumentException">The count fits neither, or a weight is negative, NaN or infinite.</exception>
    public static float[] Complete(IReadOnlyList<float> given, int tokenStart, int tokens, bool specialsGiven, string owner)
    {
        int expected = specialsGiven ? tokenStart + tokens : tokens;
        if (given.Count != expected)
            throw new ArgumentException($"{owner}: idf_weights holds {given.Count} weights; the vocabulary has {expected} entries (one weight per entry).");
        for (int i = 0; i < given.Count; i++)
            if (!(given[i] >= 0f) || float.IsInfinity(given[i]))
                throw new ArgumentException($"{owner}: idf_weights[{i}] is {given[i]}; weights must be finite numbers ≥ 0.");
        if (specialsGiven) return [.. given];
        var weights = new float[tokenStart + tokens];
        double mean = 0;
        for (int i = 0; i < tokens; i++) mean += given[i];
        mean = tokens == 0 ? 0 : mean / tokens;
        for (int i = 0; i < tokenStart; i++) weights[i] = (float)mean;
        for (int i = 0; i < tokens; i++) weights[tokenStart + i] = given[i];
        return weights;
    }

    /// <summary>Counts (…, depth) multiplied in place by the weights, which are 0 past their end (pad_to_max_tokens).</summary>
    public static Tensor Apply(Tensor counts, float[] weights)
    {
        int depth = counts.Shape[-1];
        var c = counts.Span;
        for (int i = 0; i < c.Length; i++)
        {
            int index = i % depth;
            c[i] *= index < weights.Length ? weights[index] : 0f;
        }
        return counts;
    }

    /// <summary>The weights padded with zeros to <paramref name="depth"/> entries (an ONNX initializer's values).</summary>
    public static float[] Padded(float[] weights, int depth)
    {
        var padded = new float[depth];
        weights.AsSpan(0, Math.Min(depth, weights.Length)).CopyTo(padded);
        return padded;
    }
}
