using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization.Onnx.Proto;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Masks in an exported graph. A propagated mask (<see cref="Layer.SupportsMasking"/>) is a bool
/// (batch, T) value that travels beside a layer's output, as in <c>Sequential</c> and functional
/// models: <see cref="Embedding"/> with maskZero makes it, layers that do not support masking drop
/// it, recurrent layers and Bidirectional pass it on only with their sequences, the others pass it
/// on unchanged (<see cref="Layer.ComputeMask(DeepSharp.Tensors.Tensor, DeepSharp.Tensors.Tensor?)"/>'s rules, restated here for the graph).
/// Attention masks are bool values that broadcast to (batch, Tq, Tk): true where a query may attend.
/// </summary>
internal static class OnnxMasks
{
    /// <summary>The mask of a layer's output, given the mask of its input (null: none).</summary>
    public static string? OutputMask(OnnxGraphBuilder g, Layer layer, string input, string? mask) => layer switch
    {
        _ when !layer.SupportsMasking => null,
        Embedding or ReversibleEmbedding => Nonzero(g, input, layer.Name + "/mask"),
        Masking m => g.Cast(g.Squeeze(MaskingSteps(g, m, input), m.Name + "/mask_steps", -1), m.Name + "/mask", TensorProto.Types.DataType.Bool),
        RecurrentLayer r => r.ReturnSequences ? mask : null,
        Bidirectional b => b.ReturnSequences ? mask : null,
        Rnn r => r.ReturnSequences ? mask : null,
        GlobalAveragePooling1D => null,
        _ => mask,
    };

    /// <summary>Masking's output: the input with its padded steps zeroed.</summary>
    public static string Masking(OnnxGraphBuilder g, Masking layer, string x) =>
        g.AddNode("Mul", layer.Name, [x, MaskingSteps(g, layer, x)]);

    /// <summary>Float (..., 1): 1 where a step has a feature other than the mask value (ReduceMax of "not equal" over the last axis).</summary>
    private static string MaskingSteps(OnnxGraphBuilder g, Masking layer, string x)
    {
        string n = layer.Name + "/keep";
        string same = g.AddNode("Equal", n + "/is_mask_value", [x, g.AddInitializer(n + "/mask_value", [layer.MaskValue])]);
        string differs = g.Cast(g.AddNode("Not", n + "/differs", [same]), n + "/differs_float", TensorProto.Types.DataType.Float);
        return g.AddNode("ReduceMax", n, [differs], OnnxGraphBuilder.Ints("axes", -1), OnnxGraphBuilder.Int("keepdims", 1));
    }

    /// <summary>True where <paramref name="x"/> (float or int32 indices, or a 0/1 mask tensor) is not 0.</summary>
    public static string Nonzero(OnnxGraphBuilder g, string x, string nodeName)
    {
        string asFloat = g.Cast(x, nodeName + "/float", TensorProto.Types.DataType.Float);
        string zero = g.AddNode("Equal", nodeName + "/is_zero", [asFloat, g.AddInitializer(nodeName + "/zero", [0f])]);
        return g.AddNode("Not", nodeName, [zero]);
    }

    /// <summary>
    /// A padding mask (batch, Tk) on the keys combined with an attention mask (batch, Tq, Tk): a key
    /// must be allowed by both (keras_hub's merge_padding_and_attention_mask). Null when both are.
    /// </summary>
    public static string? Merge(OnnxGraphBuilder g, string? padding, string? attention, string nodeName)
    {
        if (padding is null) return attention;
        string keys = g.Unsqueeze(padding, nodeName + "/keys", 1); // (batch, 1, Tk)
        return attention is null ? keys : g.AddNode("And", nodeName, [keys, attention]);
    }

    /// <summary>Self-attention over a propagated (batch, T) mask: query i attends to key j when both are real.</summary>
    public static string QueriesAndKeys(OnnxGraphBuilder g, string mask, string nodeName) =>
        g.AddNode("And", nodeName, [g.Unsqueeze(mask, nodeName + "/queries", 2), g.Unsqueeze(mask, nodeName + "/keys", 1)]);
}
