using DeepSharp.Data;
using DeepSharp.Serialization.Onnx;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>
    /// Writes the model as ONNX (opset 17) for ONNX Runtime and other inference engines; written
    /// atomically. Sequential and graph models export; a layer without an ONNX rule is named
    /// in the exception, with the reason.
    /// </summary>
    /// <exception cref="DeepSharpException">A layer cannot be exported.</exception>
    public void ExportOnnx(string path)
    {
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built: give the first layer an inputShape, call Build, or train it first.");
        var bytes = LayerGraph is { } graph
            ? OnnxExporter.Export(Name, graph.Nodes, graph.Inputs, graph.Outputs)
            : OnnxExporter.Export(Name, Layers, Layers[0].BuiltInputShape!.Value);
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
