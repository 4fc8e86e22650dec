using Google.Protobuf;
using DeepSharp.Nn;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Writes a built model as an ONNX file (opset 17, IR version 8) for inference elsewhere (ONNX
/// Runtime and others): one input "input" and one output "output", both with a symbolic batch axis.
/// </summary>
public static class OnnxExporter
{
    public const int Opset = 17;
    public const int IrVersion = 8;

    /// <summary>The ONNX bytes for a chain of built layers taking per-sample <paramref name="inputShape"/>.</summary>
    public static byte[] Export(string modelName, IReadOnlyList<Layer> layers, Shape inputShape)
    {
        var g = new OnnxGraphBuilder();
        string input = g.NewName("input");
        g.AddInput(input, inputShape);
        string x = input;
        var shape = inputShape;
        foreach (var layer in layers)
        {
            if (!layer.IsBuilt) throw new DeepSharpException($"ONNX export: layer '{layer.Name}' is not built; build or train the model first.");
            x = OnnxLayerRules.Emit(g, layer, x, shape);
            shape = layer.ComputeOutputShape(shape);
        }
        string output = g.AddNode("Identity", "output", [x]);
        g.AddOutput(output, shape);
        g.Graph.Name = modelName;

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "DeepSharp",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model.ToByteArray();
    }
}
