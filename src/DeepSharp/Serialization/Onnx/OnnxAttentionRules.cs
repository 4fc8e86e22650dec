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
/// GroupQueryAttention takes the same path with its key and value kernels and biases repeated
/// for the query heads each serves (the same numbers, per head, as repeating the projections).
/// </summary>
internal static class OnnxAttentionRules
{
    /// <summary>What the graph needs of an attention layer: its name, heads, sizes and weights (by Keras name) as (path, values, shape).</summary>
    internal sealed record Heads(string Name, int Count, int KeyDim, int ValueDim, bool UseBias, Func<string, (string Path, float[] Values, int[] Shape)> Weight);

    private static Heads Of(MultiHeadAttention layer) =>
        new(layer.Name, layer.NumHeads, layer.KeyDim, layer.ValueDim, layer.UseBias, name =>
        {
            var p = Weight(layer, name);
            return (p.Path, p.Value.ToArray(), p.Shape.ToArray());
        });

    /// <summary>GroupQueryAttention as Hq heads: the key and value kernels (features, Hkv, D) and biases (Hkv, D) repeated along the heads.</summary>
    private static Heads Of(GroupQueryAttention layer) =>
        new(layer.Name, layer.NumQueryHeads, layer.HeadDim, layer.HeadDim, layer.UseBias, name =>
        {
            var p = layer.Parameters.FirstOrDefault(w => w.Name == name)
                ?? throw new DeepSharpException($"ONNX export: layer '{layer.Path}' (GroupQueryAttention) has no weight '{name}'; is it built?");
            var values = p.Value.ToArray();
            if (!name.StartsWith("key/", StringComparison.Ordinal) && !name.StartsWith("value/", StringComparison.Ordinal)) return (p.Path, values, p.Shape.ToArray());
            int rows = p.Shape.Rank == 3 ? p.Shape[0] : 1, d = layer.HeadDim, r = layer.Repeats, hkv = layer.NumKeyValueHeads;
            var repeated = new float[rows * layer.NumQueryHeads * d];
            for (int i = 0; i < rows; i++)
                for (int h = 0; h < layer.NumQueryHeads; h++)
                    Array.Copy(values, (i * hkv + h / r) * d, repeated, (i * layer.NumQueryHeads + h) * d, d);
            return (p.Path + "/repeated", repeated, p.Shape.Rank == 3 ? [rows, layer.NumQueryHeads, d] : [layer.NumQueryHeads, d]);
        });

    /// <summary>GroupQueryAttention's self-attention on one input; a propagated mask masks queries and keys.</summary>
    public static string SelfAttention(OnnxGraphBuilder g, GroupQueryAttention layer, string x, Shape inputShape, string? mask)
    {
        string? allowed = mask is null ? null : OnnxMasks.QueriesAndKeys(g, mask, layer.Name + "/mask");
        return AttendHeads(g, Of(layer), x, x, x, inputShape[0], inputShape[0], allowed, causal: false, layer.Name);
    }

    /// <summary>A functional call of GroupQueryAttention, as <see cref="Call(OnnxGraphBuilder, MultiHeadAttention, IReadOnlyList{string}, IReadOnlyList{Shape}, CallArguments, IReadOnlyList{string?}?)"/>.</summary>
    public static string Call(OnnxGraphBuilder g, GroupQueryAttention layer, IReadOnlyList<string> inputs, IReadOnlyList<Shape> shapes, CallArguments arguments,
        IReadOnlyList<string?>? masks = null)
    {
        var (key, mask, causal, _) = layer.ParseCall(inputs.Count, arguments);
        return Call(g, Of(layer), key, mask, causal, inputs, shapes, masks);
    }

    /// <summary>Self-attention on one input, as in a Sequential model; a propagated mask masks queries and keys.</summary>
    public static string SelfAttention(OnnxGraphBuilder g, MultiHeadAttention layer, string x, Shape inputShape, string? mask)
    {
        string? allowed = mask is null ? null : OnnxMasks.QueriesAndKeys(g, mask, layer.Name + "/mask");
        return AttendHeads(g, Of(layer), x, x, x, inputShape[0], inputShape[0], allowed, causal: false, layer.Name);
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
        return Call(g, Of(layer), key, mask, causal, inputs, shapes, masks);
    }

    private static string Call(OnnxGraphBuilder g, Heads layer, int key, int mask, bool causal, IReadOnlyList<string> inputs, IReadOnlyList<Shape> shapes,
        IReadOnlyList<string?>? masks)
    {
        int value = Math.Min(1, inputs.Count - 1);
        string? keyMask = key >= 0 ? masks?[key] : null;
        if (key < 0) key = value;
        string n = layer.Name;
        string? allowed = mask >= 0 ? OnnxMasks.Nonzero(g, inputs[mask], n + "/attention_mask") : null;
        if (masks?[0] is { } queryMask) allowed = And(g, allowed, g.Unsqueeze(queryMask, n + "/query_mask_rows", 2), n + "/with_query_mask"); // (B, Tq, 1)
        if (masks?[value] is { } valueMask) allowed = And(g, allowed, g.Unsqueeze(valueMask, n + "/value_mask_columns", 1), n + "/with_value_mask"); // (B, 1, Tk)
        if (keyMask is not null) allowed = And(g, allowed, g.Unsqueeze(keyMask, n + "/key_mask_columns", 1), n + "/with_key_mask");
        return AttendHeads(g, layer, inputs[0], inputs[value], inputs[key], shapes[0][0], shapes[key][0], allowed, causal, layer.Name);
    }

    private static string And(OnnxGraphBuilder g, string? a, string b, string name) => a is null ? b : g.AddNode("And", name, [a, b]);

    /// <summary>
    /// The attention of <paramref name="query"/> (B, Tq, dq) to <paramref name="key"/> and
    /// <paramref name="value"/> (B, Tk, ·); <paramref name="allowed"/>: bool (B, Tq or 1, Tk) where a
    /// query may attend, or null. Returns (B, Tq, out).
    /// </summary>
    public static string Attend(OnnxGraphBuilder g, MultiHeadAttention layer, string query, string value, string key, int tq, int tk,
        string? allowed, bool causal, string name) => AttendHeads(g, Of(layer), query, value, key, tq, tk, allowed, causal, name);

    private static string AttendHeads(OnnxGraphBuilder g, Heads layer, string query, string value, string key, int tq, int tk,
        string? allowed, bool causal, string name)
    {
        string q = Split(g, layer, query, "query", layer.KeyDim, name, 0, 2, 1, 3);  // (B, H, Tq, Dk)
        string k = Split(g, layer, key, "key", layer.KeyDim, name, 0, 2, 3, 1);      // (B, H, Dk, Tk)
        string v = Split(g, layer, value, "value", layer.ValueDim, name, 0, 2, 1, 3); // (B, H, Tk, Dv)
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
            [attended, g.AddInt64Initializer(name + "/merged_shape", 0, 0, layer.Count * layer.ValueDim)]); // (B, Tq, H·Dv)
        var kernel = layer.Weight("attention_output/kernel"); // (H, Dv, out)
        string y = g.AddNode("MatMul", name + "/output_matmul",
            [merged, g.AddInitializer(kernel.Path, kernel.Values, layer.Count * layer.ValueDim, kernel.Shape[2])]);
        return layer.UseBias ? AddBias(g, layer, y, "attention_output/bias", name + "/output") : y;
    }

    /// <summary>x (B, T, features) · kernel (features, H, D) + bias, split into heads and permuted by <paramref name="perm"/>.</summary>
    private static string Split(OnnxGraphBuilder g, Heads layer, string x, string which, int dim, string name, params long[] perm)
    {
        var kernel = layer.Weight(which + "/kernel");
        int width = layer.Count * dim;
        string y = g.AddNode("MatMul", $"{name}/{which}", [x, g.AddInitializer(kernel.Path, kernel.Values, kernel.Shape[0], width)]);
        if (layer.UseBias) y = AddBias(g, layer, y, which + "/bias", $"{name}/{which}");
        string split = g.AddNode("Reshape", $"{name}/{which}_split", [y, g.AddInt64Initializer($"{name}/{which}_heads_shape", 0, 0, layer.Count, dim)]);
        return g.Transpose(split, $"{name}/{which}_heads", perm);
    }

    private static string AddBias(OnnxGraphBuilder g, Heads layer, string y, string weight, string name)
    {
        var bias = layer.Weight(weight);
        return g.AddNode("Add", name + "_bias", [y, g.AddInitializer(bias.Path, bias.Values, bias.Values.Length)]);
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
