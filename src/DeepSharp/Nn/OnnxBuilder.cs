using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// What a layer of your own sees of an ONNX export (<see cref="IOnnxExportable"/>) or a custom
/// activation's export function: it adds nodes and constants to the graph being written. Values are
/// named by strings: the input's name is given to you, each node returns its output's name. Node and
/// constant names are made unique and prefixed with the layer's name. Operators are ONNX's, opset 17
/// (https://onnx.ai/onnx/operators/); tensors are channels-last as in DeepSharp, with the batch axis first.
/// </summary>
public abstract class OnnxBuilder
{
    /// <summary>Only the exporter makes builders.</summary>
    private protected OnnxBuilder() { }

    /// <summary>
    /// Adds a node of the ONNX operator <paramref name="opType"/> ("Mul", "MatMul", "Softplus", ...)
    /// with one output, and returns the output's name.
    /// </summary>
    /// <param name="opType">The operator, as the ONNX specification names it.</param>
    /// <param name="inputs">The names of its inputs, in the operator's order ("" skips an optional one).</param>
    /// <param name="attributes">Its attributes, e.g. <c>OnnxAttribute.Int("axis", -1)</c>.</param>
    public abstract string AddNode(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes);

    /// <summary>Adds a float32 constant (an initializer) holding a copy of <paramref name="value"/>, with its shape, and returns its name.</summary>
    /// <param name="name">A name for it (a weight's name, e.g. "scale"); the layer's name is put before it.</param>
    /// <param name="value">A float32 tensor, e.g. a weight's <see cref="Parameter.Value"/>.</param>
    /// <exception cref="ArgumentException">The tensor is not float32.</exception>
    public abstract string AddConstant(string name, Tensor value);

    /// <summary>Adds a one-dimensional int64 constant (shapes, axes, as Reshape's second input) and returns its name.</summary>
    public abstract string AddInt64Constant(string name, params long[] values);

    /// <summary>Adds the weight <paramref name="weight"/> as a constant named by its path ("scale_shift/scale") and returns its name.</summary>
    public string AddWeight(Parameter weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return AddConstant(weight.Name, weight.Value);
    }
}
