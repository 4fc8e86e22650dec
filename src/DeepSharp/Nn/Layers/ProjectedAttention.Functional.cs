using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// MultiHeadAttention and GroupQueryAttention in functional graphs: key, attention_mask,
/// use_causal_mask and return_attention_scores as Keras's call keywords; a call with scores has two
/// outputs. Masks propagated with the query, value and key join the attention mask, as Keras's
/// query_mask, value_mask and key_mask do.
/// </summary>
public abstract partial class ProjectedAttention
{
    private static readonly string[] TensorKeywords = ["key", "attention_mask"];
    private static readonly string[] OptionKeywords = ["use_causal_mask", "return_attention_scores"];

    /// <summary>
    /// Applies the layer to symbolic tensors, as Keras's <c>mha(query, value, key=..., attention_mask=...,
    /// use_causal_mask=...)</c>: the mask is a model input or another layer's output (batch, Tq, Tv).
    /// </summary>
    public SymbolicTensor Call(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key = null, SymbolicTensor? attentionMask = null,
        bool useCausalMask = false)
    {
        var (inputs, arguments) = Arguments(query, value, key, attentionMask, useCausalMask, scores: false);
        return Call(inputs, arguments);
    }

    /// <summary>
    /// <see cref="Call(SymbolicTensor, SymbolicTensor, SymbolicTensor?, SymbolicTensor?, bool)"/> that
    /// also returns the attention probabilities (batch, Hq, Tq, Tv), as Keras's
    /// <c>mha(query, value, return_attention_scores=True)</c>: one call with two outputs, either of
    /// which may feed other layers or be a model output. The scores carry no gradient (as on tensors).
    /// </summary>
    public (SymbolicTensor Output, SymbolicTensor Scores) CallWithScores(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key = null,
        SymbolicTensor? attentionMask = null, bool useCausalMask = false)
    {
        var (inputs, arguments) = Arguments(query, value, key, attentionMask, useCausalMask, scores: true);
        var outputs = RecordNode(inputs, arguments);
        return (outputs[0], outputs[1]);
    }

    private static (List<SymbolicTensor> Inputs, CallArguments Arguments) Arguments(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key,
        SymbolicTensor? attentionMask, bool useCausalMask, bool scores)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        var inputs = new List<SymbolicTensor> { query, value };
        var names = new List<string>();
        if (key is not null) { inputs.Add(key); names.Add("key"); }
        if (attentionMask is not null) { inputs.Add(attentionMask); names.Add("attention_mask"); }
        var flags = new List<KeyValuePair<string, bool>>();
        if (useCausalMask) flags.Add(new("use_causal_mask", true));
        if (scores) flags.Add(new("return_attention_scores", true));
        return (inputs, new CallArguments(2, names, flags));
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) => RecordNode(inputs, arguments)[0];

    /// <summary>Builds the layer, checks the mask and records the call: the output, and with return_attention_scores the scores.</summary>
    private IReadOnlyList<SymbolicTensor> RecordNode(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        var (key, mask, _, scores) = ParseCall(inputs.Count, arguments);
        Shape q = inputs[0].Shape, v = inputs[Math.Min(1, inputs.Count - 1)].Shape, k = key >= 0 ? inputs[key].Shape : v;
        Build(q, v, k);
        if (mask >= 0 && inputs[mask].Shape != new Shape(q[0], k[0]))
            throw new ShapeMismatchException(
                $"Layer '{Name}' ({TypeName}) expects attention_mask (batch, Tq, Tv) = {new Shape(q[0], k[0]).ToBatchString()}; got {inputs[mask].Shape.ToBatchString()}.");
        var output = ComputeOutputShape(q);
        return RecordCall(inputs, arguments, scores ? [output, new Shape(_queryHeads, q[0], k[0])] : [output]);
    }

    internal override Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training) =>
        CallNode(inputs, null, arguments, training).Outputs[0];

    /// <summary>
    /// Runs a recorded call: the output, and with return_attention_scores the scores. The masks
    /// propagated with the query, value and key (an Embedding with maskZero upstream) combine with
    /// attention_mask and use_causal_mask as in Keras; the output's mask is the query's.
    /// </summary>
    internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, CallArguments arguments, bool training)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return base.CallNode(inputs, masks, arguments, training);
        var (key, attentionMask, causal, scores) = ParseCall(inputs.Count, arguments);
        Tensor? k = key >= 0 ? inputs[key] : null, m = attentionMask >= 0 ? inputs[attentionMask] : null;
        Tensor? queryMask = masks?[0], valueMask = masks?[1], keyMask = key >= 0 ? masks?[key] : null;
        var (output, probabilities) = CallWithMasks(inputs[0], inputs[1], k, m, causal, training, queryMask, valueMask, keyMask, keepScores: scores);
        var outputMask = queryMask is null ? null : FloatMask(queryMask);
        return (scores ? [output, probabilities!] : [output], outputMask);
    }

    /// <summary>
    /// Whether a recorded call of <paramref name="count"/> inputs is causal self-attention without
    /// masks (query and value the same tensor — <paramref name="selfInput"/> — and no key): the form a
    /// decoding step can take, through <see cref="Step"/>.
    /// </summary>
    internal bool IsCausalSelfAttention(int count, CallArguments arguments, bool selfInput)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return false;
        var (key, mask, causal, scores) = ParseCall(count, arguments);
        return causal && key < 0 && mask < 0 && !scores && selfInput;
    }

    /// <summary>Where the key and mask are in the call's inputs (−1: absent), the causal option and whether the scores are an output (also read by the ONNX export).</summary>
    internal (int Key, int Mask, bool Causal, bool Scores) ParseCall(int count, CallArguments a)
    {
        if (ReferenceEquals(a, CallArguments.None))
        {
            RequireInputCount(count);
            return (count > 2 ? 2 : -1, -1, false, false);
        }
        a.RequireKnown(this, TensorKeywords, OptionKeywords);
        if (a.Positional is < 2 or > 3 || (a.Positional == 3 && a.IndexOf("key") >= 0) || count != a.Positional + a.TensorNames.Count)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes query, value and optionally key, attention_mask; got {count} inputs ({a}).");
        return (a.Positional == 3 ? 2 : a.IndexOf("key"), a.IndexOf("attention_mask"), a.Flag("use_causal_mask"), a.Flag("return_attention_scores"));
    }
}
