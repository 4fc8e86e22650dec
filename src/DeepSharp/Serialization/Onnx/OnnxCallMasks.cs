using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Functional calls on several inputs (or with keywords) whose inputs carry propagated masks, as
/// <c>LayerGraph.Run</c> hands them over (Keras's <c>mask=[...]</c>): the attention layers read the
/// query, value and key masks and pass the query's on; merge layers combine them by
/// <see cref="Layer.ComputeMask(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/>'s rules, restated
/// here; other layers drop them. A combination the graph cannot state exactly is refused.
/// </summary>
internal static class OnnxCallMasks
{
    /// <summary>Emits the call; <paramref name="masks"/> holds each input's bool (B, T) mask or null. Returns the output and its mask.</summary>
    public static (string Output, string? Mask) Emit(OnnxGraphBuilder g, Layer layer, IReadOnlyList<string> xs, IReadOnlyList<Shape> shapes,
        CallArguments arguments, IReadOnlyList<string?> masks)
    {
        // A query_mask keyword is the output's mask even without propagated masks.
        if (layer is ScoredAttention attention) return OnnxScoredAttentionRules.Call(g, attention, xs, shapes, arguments, masks);
        if (masks.All(m => m is null)) return (OnnxLayerRules.Emit(g, layer, xs, shapes, arguments), null);
        switch (layer)
        {
            case MultiHeadAttention mha:
                return (OnnxAttentionRules.Call(g, mha, xs, shapes, arguments, masks), masks[0]);
            case GroupQueryAttention gqa:
                return (OnnxAttentionRules.Call(g, gqa, xs, shapes, arguments, masks), masks[0]);
            case Dot:
                return (OnnxLayerRules.Emit(g, layer, xs, shapes, arguments), null);
            case Concatenate or QuantizedConcatenate when ReferenceEquals(arguments, CallArguments.None):
                return (OnnxLayerRules.Emit(g, layer, xs, shapes, arguments), Concatenated(g, layer, shapes, masks));
            case MergeLayer when ReferenceEquals(arguments, CallArguments.None):
                return (OnnxLayerRules.Emit(g, layer, xs, shapes, arguments), And(g, layer.Name + "/mask", masks));
            default:
                return (OnnxLayerRules.Emit(g, layer, xs, shapes, arguments), null);
        }
    }

    /// <summary>Logical AND of the masks given (Keras's Merge.compute_mask).</summary>
    private static string And(OnnxGraphBuilder g, string name, IReadOnlyList<string?> masks)
    {
        string? result = null;
        foreach (var m in masks)
            if (m is not null) result = result is null ? m : g.AddNode("And", name, [result, m]);
        return result!;
    }

    /// <summary>
    /// Keras's Concatenate mask for (B, T) masks of (B, T, F) inputs: joined in time, the masks are
    /// joined; joined in features, a step is kept where any input keeps it (all ones when an input
    /// has no mask, which passes on no mask). Other cases are refused.
    /// </summary>
    private static string? Concatenated(OnnxGraphBuilder g, Layer layer, IReadOnlyList<Shape> shapes, IReadOnlyList<string?> masks)
    {
        int axis = layer is Concatenate c ? c.Axis : ((QuantizedConcatenate)layer).Axis;
        int rank = shapes[0].Rank + 1; // with the batch axis
        int a = axis < 0 ? axis + rank : axis;
        string n = layer.Name + "/mask";
        if (rank == 3 && a == 2)
        {
            if (masks.Any(m => m is null)) return null;
            string any = masks[0]!;
            for (int i = 1; i < masks.Count; i++) any = g.AddNode("Or", n, [any, masks[i]!]);
            return any;
        }
        if (rank == 3 && a == 1 && masks.All(m => m is not null))
            return g.AddNode("Concat", n, masks.Select(m => m!), Int("axis", 1));
        throw new DeepSharpException($"ONNX export: layer '{layer.Name}' ({layer.TypeName}) joins inputs {string.Join(", ", shapes.Select(s => s.ToBatchString()))} " +
            $"along axis {axis} with masks on only some of them or not of (batch, time) sequences; the exporter writes the masks of Concatenate for (batch, time, features) inputs " +
            "joined in features, or in time when every input has a mask.");
    }
}
