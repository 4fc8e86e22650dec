using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for the layers that look up, reshape or rescale: Embedding, ReversibleEmbedding, Reshape, Rescaling.</summary>
internal static class OnnxShapeRules
{
    /// <summary>Gather rows of the table; indices (int32 or float holding integers) are cast to int64 first.</summary>
    public static string Embedding(OnnxGraphBuilder g, Layer layer, string x)
    {
        var table = layer.Parameters[0].Value;
        string indices = g.AddNode("Cast", layer.Name + "/indices", [x], Int("to", (long)Proto.TensorProto.Types.DataType.Int64));
        return g.AddNode("Gather", layer.Name, [g.AddInitializer(layer.Parameters[0].Path, table.Span, table.Shape[0], table.Shape[1]), indices], Int("axis", 0));
    }

    /// <summary>
    /// ReversibleEmbedding's functional calls: a plain call gathers rows; a reverse call multiplies by
    /// the table transposed (Transpose of the table's initializer when tied, else the reverse table).
    /// </summary>
    public static string ReversibleEmbeddingCall(OnnxGraphBuilder g, ReversibleEmbedding layer, IReadOnlyList<string> inputs, CallArguments arguments)
    {
        if (!layer.IsReverse(inputs.Count, arguments)) return Embedding(g, layer, inputs[0]);
        var p = layer.Parameters[layer.TieWeights ? 0 : 1];
        string table = g.AddInitializer(p.Path, p.Value.Span, p.Shape[0], p.Shape[1]);
        if (layer.TieWeights) table = g.AddNode("Transpose", layer.Name + "/transpose", [table], Ints("perm", 1, 0));
        return g.AddNode("MatMul", layer.Name + "/reverse", [inputs[0], table]);
    }

    public static string Reshape(OnnxGraphBuilder g, Layer layer, string x, Shape inputShape)
    {
        var output = layer.ComputeOutputShape(inputShape);
        var dims = new long[output.Rank + 1];
        dims[0] = -1;
        for (int i = 0; i < output.Rank; i++) dims[i + 1] = output[i];
        return g.AddNode("Reshape", layer.Name, [x, g.AddInt64Initializer(layer.Name + "/shape", dims)]);
    }

    public static string Rescaling(OnnxGraphBuilder g, Rescaling layer, string x)
    {
        string y = g.AddNode("Mul", layer.Name + "/scale", [x, g.AddInitializer(layer.Name + "/scale", [layer.Scale])]);
        return layer.Offset == 0f ? y : g.AddNode("Add", layer.Name, [y, g.AddInitializer(layer.Name + "/offset", [layer.Offset])]);
    }
}
