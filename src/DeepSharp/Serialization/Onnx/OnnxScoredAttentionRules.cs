using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

// Shape legend: B batch, Tq queries, Tv keys and values, D query and key features, Dv value features.

/// <summary>
/// Keras's Attention and AdditiveAttention as plain ONNX nodes, the layers' math step by step:
/// scores (B, Tq, Tv) — MatMul(q, kᵀ) [· scale] for "dot"; Σ tanh(q + k [· scale]) [· weight] over D
/// for "concat" and the additive form — plus −1e9 where the value mask or the causal mask hides a
/// key, Softmax, MatMul with the values, times the query mask.
/// </summary>
internal static class OnnxScoredAttentionRules
{
    /// <summary>
    /// A functional call; <paramref name="masks"/> (bool (B, T) per input, or null) are the masks
    /// propagated with the query and the value, used where the query_mask and value_mask keywords are
    /// not given. Returns the output and its mask (the query mask, bool (B, Tq), or null).
    /// </summary>
    public static (string Output, string? Mask) Call(OnnxGraphBuilder g, ScoredAttention layer, IReadOnlyList<string> xs, IReadOnlyList<Shape> shapes,
        CallArguments arguments, IReadOnlyList<string?>? masks = null)
    {
        var (key, queryMask, valueMask, causal, _) = layer.ParseCall(xs.Count, arguments);
        string n = layer.Name;
        string q = xs[0], v = xs[1], k = key >= 0 ? xs[key] : v;
        int tq = shapes[0][0], tv = shapes[1][0];
        string scores = Scores(g, layer, q, k);
        string? values = valueMask >= 0 ? xs[valueMask] : masks?[1];
        if (Penalty(g, n, values, causal, tq, tv) is { } penalty) scores = g.AddNode("Add", n + "/masked", [scores, penalty]);
        string weights = g.AddNode("Softmax", n + "/softmax", [scores], Int("axis", -1));
        string output = g.AddNode("MatMul", n + "/weighted", [weights, v]);
        string? queries = queryMask >= 0 ? xs[queryMask] : masks?[0];
        if (queries is null) return (output, null);
        string real = OnnxMasks.Nonzero(g, queries, n + "/query_mask");
        string column = g.Unsqueeze(g.Cast(real, n + "/query_mask_float", Proto.TensorProto.Types.DataType.Float), n + "/query_mask_column", 2);
        return (g.AddNode("Mul", n, [output, column]), real);
    }

    private static string Scores(OnnxGraphBuilder g, ScoredAttention layer, string q, string k)
    {
        string n = layer.Name;
        if (layer is Attention { ScoreMode: AttentionScoreMode.Dot } dot)
        {
            string product = g.AddNode("MatMul", n + "/scores", [q, g.Transpose(k, n + "/key_t", 0, 2, 1)]);
            return dot.Scale is { } s ? g.AddNode("Mul", n + "/scaled", [product, Weight(g, n + "/scale", s)]) : product;
        }
        string sum = g.AddNode("Add", n + "/query_plus_key", [g.Unsqueeze(q, n + "/query_rows", 2), g.Unsqueeze(k, n + "/key_columns", 1)]); // (B, Tq, Tv, D)
        string terms;
        if (layer is Attention concat)
        {
            if (concat.Scale is { } s) sum = g.AddNode("Mul", n + "/scaled", [sum, Weight(g, n + "/scale", s)]);
            terms = g.AddNode("Tanh", n + "/tanh", [sum]);
        }
        else
        {
            terms = g.AddNode("Tanh", n + "/tanh", [sum]);
            if (((AdditiveAttention)layer).Scale is { } s) terms = g.AddNode("Mul", n + "/scaled", [terms, Weight(g, n + "/scale", s)]);
        }
        string scores = g.AddNode("ReduceSum", n + "/scores", [terms, g.AddInt64Initializer(n + "/feature_axis", -1)], Int("keepdims", 0));
        return layer is Attention { ConcatScoreWeight: { } w } ? g.AddNode("Mul", n + "/weighted_scores", [scores, Weight(g, n + "/concat_score_weight", w)]) : scores;
    }

    private static string Weight(OnnxGraphBuilder g, string name, Parameter p) =>
        g.AddInitializer(name, p.Value.Span, [.. p.Shape.ToArray().Select(d => (long)d)]);

    /// <summary>0 where query i may see key j, −1e9 elsewhere: (B or 1, Tq, Tv); null without masks.</summary>
    private static string? Penalty(OnnxGraphBuilder g, string n, string? valueMask, bool causal, int tq, int tv)
    {
        if (valueMask is null && !causal) return null;
        string? allowed = valueMask is null ? null : g.Unsqueeze(OnnxMasks.Nonzero(g, valueMask, n + "/value_mask"), n + "/value_mask_rows", 1); // (B, 1, Tv)
        if (causal)
        {
            var lower = new bool[tq * tv];
            for (int i = 0; i < tq; i++) for (int j = 0; j <= i && j < tv; j++) lower[i * tv + j] = true;
            string triangle = g.AddBoolInitializer(n + "/causal", lower, 1, tq, tv);
            allowed = allowed is null ? triangle : g.AddNode("And", n + "/visible", [allowed, triangle]);
        }
        return g.AddNode("Where", n + "/penalty", [allowed!, g.AddInitializer(n + "/zero", [0f]), g.AddInitializer(n + "/minus_1e9", [-1e9f])]);
    }
}
