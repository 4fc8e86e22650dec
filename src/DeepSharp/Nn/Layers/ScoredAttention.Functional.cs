using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Attention and AdditiveAttention in functional graphs: Keras's <c>layer([query, value, key],
/// mask=[query_mask, value_mask], use_causal_mask=..., return_attention_scores=...)</c> as the
/// positional list, the keyword tensors <c>query_mask</c> and <c>value_mask</c> and two options; a
/// call with scores has two outputs. Masks propagated with the query and the value (an Embedding
/// with maskZero upstream) are the query and value masks unless the keywords give them.
/// </summary>
public abstract partial class ScoredAttention
{
    private static readonly string[] TensorKeywords = ["query_mask", "value_mask"];
    private static readonly string[] OptionKeywords = ["use_causal_mask", "return_attention_scores"];

    /// <summary>Applies the layer to symbolic tensors: (batch, Tq, dv).</summary>
    public SymbolicTensor Call(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key = null, SymbolicTensor? queryMask = null,
        SymbolicTensor? valueMask = null, bool useCausalMask = false) =>
        RecordNode(Arguments(query, value, key, queryMask, valueMask, useCausalMask, scores: false))[0];

    /// <summary>
    /// As <see cref="Call(SymbolicTensor, SymbolicTensor, SymbolicTensor?, SymbolicTensor?, SymbolicTensor?, bool)"/>, also returning
    /// the attention weights (batch, Tq, Tv) as a second output (Keras's <c>return_attention_scores=True</c>).
    /// </summary>
    public (SymbolicTensor Output, SymbolicTensor Scores) CallWithScores(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key = null,
        SymbolicTensor? queryMask = null, SymbolicTensor? valueMask = null, bool useCausalMask = false)
    {
        var outputs = RecordNode(Arguments(query, value, key, queryMask, valueMask, useCausalMask, scores: true));
        return (outputs[0], outputs[1]);
    }

    private static (List<SymbolicTensor> Inputs, CallArguments Arguments) Arguments(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key,
        SymbolicTensor? queryMask, SymbolicTensor? valueMask, bool useCausalMask, bool scores)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        var inputs = new List<SymbolicTensor> { query, value };
        if (key is not null) inputs.Add(key);
        var names = new List<string>();
        if (queryMask is not null) { inputs.Add(queryMask); names.Add("query_mask"); }
        if (valueMask is not null) { inputs.Add(valueMask); names.Add("value_mask"); }
        var flags = new List<KeyValuePair<string, bool>>();
        if (useCausalMask) flags.Add(new("use_causal_mask", true));
        if (scores) flags.Add(new("return_attention_scores", true));
        return (inputs, new CallArguments(key is null ? 2 : 3, names, flags));
    }

    private IReadOnlyList<SymbolicTensor> RecordNode((List<SymbolicTensor> Inputs, CallArguments Arguments) call) => RecordNode(call.Inputs, call.Arguments);

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) => RecordNode(inputs, arguments)[0];

    /// <summary>Builds the layer, checks the masks' shapes and records the call: the output, and with return_attention_scores the weights.</summary>
    private IReadOnlyList<SymbolicTensor> RecordNode(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        var call = ParseCall(inputs.Count, arguments);
        var shapes = new List<Shape> { inputs[0].Shape, inputs[1].Shape };
        if (call.Key >= 0) shapes.Add(inputs[call.Key].Shape);
        Build(shapes);
        Shape q = shapes[0], v = shapes[1];
        if (call.QueryMask >= 0 && inputs[call.QueryMask].Shape != new Shape(q[0]))
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) expects query_mask (batch, Tq) = (None, {q[0]}); got {inputs[call.QueryMask].Shape.ToBatchString()}.");
        if (call.ValueMask >= 0 && inputs[call.ValueMask].Shape != new Shape(v[0]))
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) expects value_mask (batch, Tv) = (None, {v[0]}); got {inputs[call.ValueMask].Shape.ToBatchString()}.");
        var output = ComputeOutputShape(shapes);
        return RecordCall(inputs, arguments, call.Scores ? [output, new Shape(q[0], v[0])] : [output]);
    }

    internal override Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training) =>
        CallNode(inputs, null, arguments, training).Outputs[0];

    /// <summary>
    /// Runs a recorded call: the output (and the weights). The query and value masks are the
    /// keyword tensors when given, else the masks propagated with the query and the value (from an
    /// Embedding with maskZero upstream), as Keras fills <c>mask=[query_mask, value_mask]</c>; the
    /// output's mask is the query mask.
    /// </summary>
    internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, CallArguments arguments, bool training)
    {
        var call = ParseCall(inputs.Count, arguments);
        var queryMask = call.QueryMask >= 0 ? inputs[call.QueryMask] : masks?[0];
        var valueMask = call.ValueMask >= 0 ? inputs[call.ValueMask] : masks?[1];
        var (output, weights) = Attend(inputs[0], inputs[1], call.Key >= 0 ? inputs[call.Key] : inputs[1], queryMask, valueMask, call.Causal, training);
        var outputMask = queryMask is null ? null : FloatMask(queryMask, inputs[0].Shape[0], inputs[0].Shape[1], "query_mask");
        return (call.Scores ? [output, weights] : [output], outputMask);
    }

    /// <summary>Where the key and masks are in a call's inputs (−1: absent) and its options (also read by the ONNX export).</summary>
    internal (int Key, int QueryMask, int ValueMask, bool Causal, bool Scores) ParseCall(int count, CallArguments a)
    {
        if (ReferenceEquals(a, CallArguments.None))
        {
            RequireInputCount(count);
            return (count > 2 ? 2 : -1, -1, -1, false, false);
        }
        a.RequireKnown(this, TensorKeywords, OptionKeywords);
        if (a.Positional is < 2 or > 3 || count != a.Positional + a.TensorNames.Count)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes query, value and optionally key, query_mask, value_mask; got {count} inputs ({a}).");
        return (a.Positional == 3 ? 2 : -1, a.IndexOf("query_mask"), a.IndexOf("value_mask"), a.Flag("use_causal_mask"), a.Flag("return_attention_scores"));
    }
}
