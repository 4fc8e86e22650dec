using DeepSharp.Nn.Layers;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for the categorical preprocessing layers: Discretization (comparisons counted) and CategoryEncoding (OneHot, reduced).</summary>
internal static class OnnxCategoricalRules
{
    /// <summary>The number of boundaries ≤ x: GreaterOrEqual against every boundary on a new last axis, cast to float, summed.</summary>
    public static string Discretization(OnnxGraphBuilder g, Discretization layer, string x)
    {
        string values = g.Cast(x, layer.Name + "/float", TensorProto.Types.DataType.Float);
        string expanded = g.Unsqueeze(values, layer.Name + "/expand", -1);
        var boundaries = layer.BinBoundaries!;
        string atLeast = g.AddNode("GreaterOrEqual", layer.Name + "/compare", [expanded, g.AddInitializer(layer.Name + "/bin_boundaries", boundaries.Span, boundaries.Size)]);
        string counted = g.Cast(atLeast, layer.Name + "/count", TensorProto.Types.DataType.Float);
        return g.AddNode("ReduceSum", layer.Name, [counted, g.AddInt64Initializer(layer.Name + "/axes", -1)], Int("keepdims", 0));
    }

    /// <summary>
    /// OneHot of the indices (cast to int64) on a new last axis; one index per sample drops the index axis, multi_hot takes
    /// ReduceMax and count ReduceSum over it. ONNX's OneHot gives zeros for an index out of range where the layer throws.
    /// </summary>
    public static string CategoryEncoding(OnnxGraphBuilder g, CategoryEncoding layer, string x, Shape inputShape)
    {
        string indices = g.Cast(x, layer.Name + "/indices", TensorProto.Types.DataType.Int64);
        string depth = g.AddInt64Initializer(layer.Name + "/depth", layer.NumTokens);
        string hot = g.AddNode("OneHot", layer.Name + "/one_hot", [indices, depth, g.AddInitializer(layer.Name + "/values", [0f, 1f], 2)], Int("axis", -1));
        if (inputShape.Rank == 0) return g.AddNode("Identity", layer.Name, [hot]);
        if (layer.OutputMode == "one_hot")
            return inputShape[0] == 1 ? g.Squeeze(hot, layer.Name, 1) : g.AddNode("Identity", layer.Name, [hot]);
        return layer.OutputMode == "count"
            ? g.AddNode("ReduceSum", layer.Name, [hot, g.AddInt64Initializer(layer.Name + "/axes", 1)], Int("keepdims", 0))
            : g.AddNode("ReduceMax", layer.Name, [hot], Ints("axes", 1), Int("keepdims", 0));
    }
}
