using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

// Shape legend: B batch, Tq queries, Tk keys (and values), H heads, Dk key_dim, Dv value_dim.

/// <summary>
/// MultiHeadAttention as plain ONNX nodes (opset 17 has no attention operator), the math of
/// DeepSharp's attention kernel: each of query, key and value is projected with its kernel
/// (features, H, D) as a (features, H·D) MatMul plus bias, split into heads (B, H, T, D);
/// scores = Q·Kᵀ · 1/√Dk; where a query may not attend (causal: key j &gt; query i; or a mask)
/// the score becomes −1e30 before the Softmax and the probability 0 after it, so a query that may
/// attend to nothing gets zeros (and the layer outputs its bias), as DeepSharp does; the heads'
/// outputs (B, Tq, H·Dv) go through the attention_output kernel (H·Dv, out) plus bias.
/// </summary>
internal static class OnnxAttentionRules
{
    /// <summary>Self-attention on one input, as in a Sequential model; a propagated mask masks queries and keys.</summary>
    public static string SelfAttention(OnnxGraphBuilder g, MultiHeadAttention layer, string x, Shape inputShape, string? mask)
    {
        string? allowed = mask is null ? null : OnnxMasks.QueriesAndKeys(g, mask, layer.Name + "/mask");
        return Attend(g, layer, x, x, x, inputShape[0], inputShape[0], allowed, causal: false, layer.Name);
    }

    /// <summary>
    /// A functional call: [query, value(, key)] with keyword key, attention_mask and use_causal_mask;
    /// <paramref name="masks"/> (bool (B, T) per input, or null) are the masks propagated with the
    /// query, value and key, which join the attention mask as in Keras.
    /// </summary>
    public static string Call(OnnxGraphBuilder g, MultiHeadAttention layer, IReadOnlyList<string> inputs, IReadOnlyList<Shape> shapes, CallArguments arguments,
        IReadOnlyList<string?>? masks = null)
    {
        var (key, mask, causal, _) = layer.ParseCall(inputs.Count, arguments);
        int value = Math.Min(1, inputs.Count - 1);
        string? keyMask = key >= 0 ? masks?[key] : null;
        if (key < 0) key = value;
        string n = layer.Name;
        string? allowed = mask >= 0 ? OnnxMasks.Nonzero(g, inputs[mask], n + "/attention_mask") : null;
        if (masks?[0] is { } queryMask) allowed = And(g, allowed, g.Unsqueeze(queryMask, n + "/query_mask_rows", 2), n + "/with_query_mask"); // (B, Tq, 1)
        if (masks?[value] is { } valueMask) allowed = And(g, allowed, g.Unsqueeze(valueMask, n + "/value_mask_columns", 1), n + "/with_value_mask"); // (B, 1, Tk)
        if (keyMask is not null) allowed = And(g, allowed, g.Unsqueeze(keyMask, n + "/key_mask_columns", 1), n + "/with_key_mask");
        return Attend(g, layer, inputs[0], inputs[value], inputs[key], shapes[0][0], shapes[key][0], allowed, causal, layer.Name);
    }

    private static string And(OnnxGraphBuilder g, string? a, string b, string name) => a is null ? b : g.AddNode("And", name, [a, b]);

    /// <summary>
    /// The attention of <paramref name="query"/> (B, Tq, dq) to <paramref name="key"/> and
    /// <paramref name="value"/> (B, Tk, ·); <paramref name="allowed"/>: bool (B, Tq or 1, Tk) where a
    /// query may attend, or null. Returns (B, Tq, out).
    /// </summary>
    public static string Attend(OnnxGraphBuilder g, MultiHeadAttention layer, string query, string value, string key, int tq, int tk,
        string? allowed, bool causal, string name)
    {
        string q = Heads(g, layer, query, "query", layer.KeyDim, name, 0, 2, 1, 3);  // (B, H, Tq, Dk)
        string k = Heads(g, layer, key, "key", layer.KeyDim, name, 0, 2, 3, 1);      // (B, H, Dk, Tk)
        string v = Heads(g, layer, value, "value", layer.ValueDim, name, 0, 2, 1, 3); // (B, H, Tk, Dv)
        string scores = g.AddNode("Mul", name + "/scaled_scores",
            [g.AddNode("MatMul", name + "/scores", [q, k]), g.AddInitializer(name + "/scale", [1f / MathF.Sqrt(layer.KeyDim)])]);
        if (causal)
        {
            string below = CausalMask(g, tq, tk, name);
            allowed = allowed is null ? below : g.AddNode("And", name + "/causal_and_mask", [allowed, below]);
        }
        string? visible = allowed is null ? null : g.Unsqueeze(allowed, name + "/mask_heads", 1); // (B or 1, 1, Tq or 1, Tk)
        if (visible is not null)
            scores = g.AddNode("Where", name + "/masked_scores", [visible, scores, g.AddInitializer(name + "/hidden_score", [-1e30f])]);
        string probabilities = g.AddNode("Softmax", name + "/softmax", [scores], Int("axis", -1));
        if (visible is not null)
            probabilities = g.AddNode("Where", name + "/probabilities", [visible, probabilities, g.AddInitializer(name + "/zero", [0f])]);
        string attended = g.Transpose(g.AddNode("MatMul", name + "/attended", [probabilities, v]), name + "/attended_by_query", 0, 2, 1, 3);
        string merged = g.AddNode("Reshape", name + "/merge_heads",
            [attended, g.AddInt64Initializer(name + "/merged_shape", 0, 0, layer.NumHeads * layer.ValueDim)]); // (B, Tq, H·Dv)
        var kernel = Weight(layer, "attention_output/kernel"); // (H, Dv, out)
        string y = g.AddNode("MatMul", name + "/output_matmul",
            [merged, g.AddInitializer(kernel.Path, kernel.Value.Span, layer.NumHeads * layer.ValueDim, kernel.Shape[2])]);
        return layer.UseBias ? AddBias(g, layer, y, "attention_output/bias", name + "/output") : y;
    }

    /// <summary>x (B, T, features) · kernel (features, H, D) + bias, split into heads and permuted by <paramref name="perm"/>.</summary>
    private static string Heads(OnnxGraphBuilder g, MultiHeadAttention layer, string x, string which, int dim, string name, params long[] perm)
    {
        var kernel = Weight(layer, which + "/kernel");
        int width = layer.NumHeads * dim;
        string y = g.AddNode("MatMul", $"{name}/{which}", [x, g.AddInitializer(kernel.Path, kernel.Value.Span, kernel.Shape[0], width)]);
        if (layer.UseBias) y = AddBias(g, layer, y, which + "/bias", $"{name}/{which}");
        string split = g.AddNode("Reshape", $"{name}/{which}_split", [y, g.AddInt64Initializer($"{name}/{which}_heads_shape", 0, 0, layer.NumHeads, dim)]);
        return g.Transpose(split, $"{name}/{which}_heads", perm);
    }

    private static string AddBias(OnnxGraphBuilder g, MultiHeadAttention layer, string y, string weight, string name)
    {
        var bias = Weight(layer, weight);
        return g.AddNode("Add", name + "_bias", [y, g.AddInitializer(bias.Path, bias.Value.Span, bias.Shape.Size)]);
    }

    /// <summary>(1, Tq, Tk): query i may see key j ≤ i (Keras's causal mask).</summary>
    private static string CausalMask(OnnxGraphBuilder g, int tq, int tk, string name)
    {
        var below = new bool[tq * tk];
        for (int i = 0; i < tq; i++)
            for (int j = 0; j <= Math.Min(i, tk - 1); j++) below[i * tk + j] = true;
        return g.AddBoolInitializer(name + "/causal_mask", below, 1, tq, tk);
    }

    private static Parameter Weight(MultiHeadAttention layer, string name) =>
        layer.Parameters.FirstOrDefault(p => p.Name == name)
        ?? throw new DeepSharpException($"ONNX export: layer '{layer.Path}' (MultiHeadAttention) has no weight '{name}'; is it built?");
}
