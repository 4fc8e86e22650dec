using DeepSharp.Data;
using DeepSharp.Serialization.Onnx;

namespace DeepSharp.Training;

public abstract partial class Model
{
    /// <summary>
    /// Writes the model as ONNX (opset 17) for ONNX Runtime and other inference engines. Every
    /// layer must have an ONNX rule; a layer without one is named in the exception.
    /// </summary>
    public void ExportOnnx(string path)
    {
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built: give the first layer an inputShape, call Build, or train it first.");
        var bytes = OnnxExporter.Export(Name, Layers, Layers[0].BuiltInputShape!.Value);
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
