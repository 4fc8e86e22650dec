using DeepSharp.Nn;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Layers and activations of your own in an ONNX export: they write their nodes through the public
/// <see cref="OnnxBuilder"/>, which this file implements over the internal <see cref="OnnxGraphBuilder"/>.
/// </summary>
internal static class OnnxCustomRules
{
    /// <summary>A layer that implements <see cref="IOnnxExportable"/>; returns its output's name.</summary>
    public static string Layer(OnnxGraphBuilder g, Layer layer, IOnnxExportable exportable, string input, Shape inputShape)
    {
        var builder = new Builder(g, layer.Name);
        string output = exportable.ExportOnnx(builder, input, inputShape);
        return builder.Check(output, input, $"layer '{layer.Name}' ({layer.TypeName}).ExportOnnx");
    }

    /// <summary>A custom activation with an export function, or the error that names it and the layer.</summary>
    public static string Activation(OnnxGraphBuilder g, Activation activation, string input, string layerName)
    {
        var export = activation.OnnxExport ?? throw new DeepSharpException(
            $"ONNX export: activation '{activation.Name}' of layer '{layerName}' is one of your own without an ONNX function; " +
            "give Activation.Custom/Register its onnx argument, e.g. (onnx, x) => onnx.AddNode(\"Softplus\", [x]) (see docs/custom.md).");
        var builder = new Builder(g, $"{layerName}/{activation.Name}");
        return builder.Check(export(builder, input), input, $"the ONNX function of activation '{activation.Name}' (layer '{layerName}')");
    }

    private sealed class Builder(OnnxGraphBuilder g, string prefix) : OnnxBuilder
    {
        private readonly HashSet<string> _values = new(StringComparer.Ordinal);

        public override string AddNode(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
        {
            ArgumentException.ThrowIfNullOrEmpty(opType);
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(attributes);
            string output = g.AddNode(opType, $"{prefix}/{opType.ToLowerInvariant()}", inputs, attributes.Select(ToProto).ToArray());
            _values.Add(output);
            return output;
        }

        public override string AddConstant(string name, Tensor value)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(value);
            if (value.DType != DType.Float32)
                throw new ArgumentException($"OnnxBuilder.AddConstant: '{name}' is a {value.DType} tensor; constants from tensors are float32.", nameof(value));
            var dims = new long[value.Rank];
            for (int i = 0; i < dims.Length; i++) dims[i] = value.Shape[i];
            string constant = g.AddInitializer($"{prefix}/{name}", value.Span[..value.Size], dims);
            _values.Add(constant);
            return constant;
        }

        public override string AddInt64Constant(string name, params long[] values)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(values);
            string constant = g.AddInt64Initializer($"{prefix}/{name}", values);
            _values.Add(constant);
            return constant;
        }

        /// <summary>The output must be the input or a value this builder made.</summary>
        public string Check(string output, string input, string who) =>
            output == input || (output is not null && _values.Contains(output)) ? output
            : throw new DeepSharpException($"ONNX export: {who} returned '{output}', which is neither its input '{input}' nor a value it added; return what AddNode returned.");

        private static AttributeProto ToProto(OnnxAttribute a) => a.Kind switch
        {
            OnnxAttributeKind.Int => OnnxGraphBuilder.Int(a.Name, a.IntValues[0]),
            OnnxAttributeKind.Ints => OnnxGraphBuilder.Ints(a.Name, a.IntValues),
            OnnxAttributeKind.Float => OnnxGraphBuilder.Float(a.Name, a.FloatValues[0]),
            OnnxAttributeKind.Floats => OnnxGraphBuilder.Floats(a.Name, a.FloatValues),
            _ => OnnxGraphBuilder.Str(a.Name, a.Text!),
        };
    }
}
