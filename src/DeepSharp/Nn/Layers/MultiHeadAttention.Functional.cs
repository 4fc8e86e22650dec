using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>MultiHeadAttention in functional graphs: key, attention_mask and use_causal_mask as Keras's call keywords.</summary>
public sealed partial class MultiHeadAttention
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
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        var inputs = new List<SymbolicTensor> { query, value };
        var names = new List<string>();
        if (key is not null) { inputs.Add(key); names.Add("key"); }
        if (attentionMask is not null) { inputs.Add(attentionMask); names.Add("attention_mask"); }
        KeyValuePair<string, bool>[] flags = useCausalMask ? [new("use_causal_mask", true)] : [];
        return Call(inputs, new CallArguments(2, names, flags));
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        var (key, mask, _) = ParseCall(inputs.Count, arguments);
        Shape q = inputs[0].Shape, v = inputs[Math.Min(1, inputs.Count - 1)].Shape, k = key >= 0 ? inputs[key].Shape : v;
        Build(q, v, k);
        if (mask >= 0 && inputs[mask].Shape != new Shape(q[0], k[0]))
            throw new ShapeMismatchException(
                $"Layer '{Name}' (MultiHeadAttention) expects attention_mask (batch, Tq, Tv) = {new Shape(q[0], k[0]).ToBatchString()}; got {inputs[mask].Shape.ToBatchString()}.");
        return RecordCall(inputs, arguments, ComputeOutputShape(q));
    }

    internal override Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training)
    {
        var (key, mask, causal) = ParseCall(inputs.Count, arguments);
        return Call(inputs[0], inputs[Math.Min(1, inputs.Count - 1)], key >= 0 ? inputs[key] : null, mask >= 0 ? inputs[mask] : null, causal, training);
    }

    /// <summary>
    /// Whether a recorded call is causal self-attention without masks (query and value the same
    /// tensor, no key): the form a decoding step can take, through <see cref="Step"/>.
    /// </summary>
    internal bool IsCausalSelfAttention(IReadOnlyList<Tensor> inputs, CallArguments arguments)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return false;
        var (key, mask, causal) = ParseCall(inputs.Count, arguments);
        return causal && key < 0 && mask < 0 && ReferenceEquals(inputs[0], inputs[1]);
    }

    /// <summary>Where the key and mask are in the call's inputs (−1: absent), and the causal option (also read by the ONNX export).</summary>
    internal (int Key, int Mask, bool Causal) ParseCall(int count, CallArguments a)
    {
        if (ReferenceEquals(a, CallArguments.None))
        {
            RequireInputCount(count);
            return (count > 2 ? 2 : -1, -1, false);
        }
        a.RequireKnown(this, TensorKeywords, OptionKeywords);
        if (a.Flag("return_attention_scores"))
            throw new ArgumentException(
                $"Layer '{Name}' (MultiHeadAttention): return_attention_scores gives two outputs, and a functional graph records one per call; call CallWithScores on tensors instead.");
        if (a.Positional is < 2 or > 3 || (a.Positional == 3 && a.IndexOf("key") >= 0) || count != a.Positional + a.TensorNames.Count)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention) takes query, value and optionally key, attention_mask; got {count} inputs ({a}).");
        return (a.Positional == 3 ? 2 : a.IndexOf("key"), a.IndexOf("attention_mask"), a.Flag("use_causal_mask"));
    }
}
