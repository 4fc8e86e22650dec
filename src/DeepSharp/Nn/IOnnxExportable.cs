using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// A layer of your own that can be written to ONNX (<c>Model.ExportOnnx</c>): it adds the nodes that
/// compute its inference output. A layer without it, and without a built-in rule, does not export,
/// and the error names it. One-input layers only (as Sequential and one-input functional calls run them).
/// <code>
/// public string ExportOnnx(OnnxBuilder onnx, string input, Shape inputShape) =>
///     onnx.AddNode("Add", [onnx.AddNode("Mul", [input, onnx.AddWeight(Parameters[0])]), onnx.AddWeight(Parameters[1])]);
/// </code>
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Adds this built layer's nodes and returns the name of its output value.</summary>
    /// <param name="onnx">Adds nodes and constants to the graph being written.</param>
    /// <param name="input">The name of the input value: a float tensor (batch, <paramref name="inputShape"/>...).</param>
    /// <param name="inputShape">The per-sample input shape (batch axis excluded), as the layer was built for.</param>
    /// <returns>The name of the value the layer outputs, as returned by <see cref="OnnxBuilder.AddNode"/> (or <paramref name="input"/> for the identity).</returns>
    string ExportOnnx(OnnxBuilder onnx, string input, Shape inputShape);
}
