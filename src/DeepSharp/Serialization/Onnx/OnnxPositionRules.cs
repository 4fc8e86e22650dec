using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Position embeddings and encodings: for inputs (batch, T, features) both return one (T, features)
/// block repeated over the batch (Expand to the input's shape), to be added to the token embeddings.
/// </summary>
internal static class OnnxPositionRules
{
    /// <summary>The table (sequenceLength, features) as an initializer, sliced in the graph to its first T rows.</summary>
    public static string PositionEmbedding(OnnxGraphBuilder g, PositionEmbedding layer, string x)
    {
        var table = layer.Parameters[0];
        string shape = g.AddNode("Shape", layer.Name + "/shape", [x]); // (batch, T, features)
        string length = g.AddNode("Slice", layer.Name + "/length",
            [shape, g.AddInt64Initializer(layer.Name + "/length_start", 1), g.AddInt64Initializer(layer.Name + "/length_end", 2)]);
        string rows = g.AddNode("Slice", layer.Name + "/rows",
            [g.AddInitializer(table.Path, table.Value.Span, table.Shape[0], table.Shape[1]), g.AddInt64Initializer(layer.Name + "/rows_start", 0),
             length, g.AddInt64Initializer(layer.Name + "/rows_axis", 0)]);
        return g.AddNode("Expand", layer.Name, [rows, shape]);
    }

    /// <summary>
    /// A constant: the layer's own encodings of positions [0, T) for the exported sequence length
    /// (computed by the layer, so the numbers are DeepSharp's), expanded over the batch.
    /// </summary>
    public static string SinusoidalPositionEncoding(OnnxGraphBuilder g, SinusoidalPositionEncoding layer, string x, Shape inputShape)
    {
        int t = inputShape[0], d = inputShape[1];
        var encodings = layer.Call(Tensor.Zeros(1, t, d), startIndex: 0);
        string block = g.AddInitializer(layer.Name + "/encodings", encodings.Span, t, d);
        return g.AddNode("Expand", layer.Name, [block, g.AddNode("Shape", layer.Name + "/shape", [x])]);
    }
}
