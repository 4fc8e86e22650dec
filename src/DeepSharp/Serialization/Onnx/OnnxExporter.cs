using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;
using Google.Protobuf;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Writes a built model as an ONNX file (opset 17, IR version 8) for inference elsewhere (ONNX
/// Runtime and others). A chain of layers has one input "input" and one output "output"; a
/// functional graph has one input per model input (named after its input layer) and outputs
/// "output", "output_1", ...; every batch axis is symbolic.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator-set version the graph declares; a runtime must support opset 17 to load it.</summary>
    public const int Opset = 17;
    /// <summary>The ONNX IR (file format) version written, the one that goes with opset 17.</summary>
    public const int IrVersion = 8;

    /// <summary>The ONNX bytes for a chain of built layers taking per-sample <paramref name="inputShape"/>.</summary>
    public static byte[] Export(string modelName, IReadOnlyList<Layer> layers, Shape inputShape)
    {
        var g = new OnnxGraphBuilder();
        string input = g.NewName("input");
        g.AddInput(input, inputShape);
        string x = input;
        string? mask = null; // the propagated mask, as Sequential hands it from layer to layer
        var shape = inputShape;
        foreach (var layer in layers)
        {
            CheckBuilt(layer);
            (x, mask) = OnnxLayerRules.Emit(g, layer, x, shape, mask);
            shape = layer.ComputeOutputShape(shape);
        }
        string output = g.AddNode("Identity", "output", [x]);
        g.AddOutput(output, shape);
        return Finish(g, modelName);
    }

    /// <summary>The ONNX bytes for a functional graph: its layer calls in topological order.</summary>
    internal static byte[] Export(string modelName, IReadOnlyList<LayerNode> nodes, IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs)
    {
        var g = new OnnxGraphBuilder();
        var names = new Dictionary<SymbolicTensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var input in inputs)
        {
            string name = g.NewName(input.Layer.Name);
            g.AddInput(name, input.Shape, input.DType);
            names[input] = name;
        }
        // Masks travel beside the values as in LayerGraph.Run: every call receives its inputs' masks
        // and passes its own on (OnnxLayerRules for one-input calls, OnnxCallMasks for the others).
        var masks = new Dictionary<SymbolicTensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var node in nodes)
        {
            if (node.Layer is InputLayer) continue;
            CheckBuilt(node.Layer);
            if (node.Outputs.Count > 1 || node.Arguments.RangeOf("initial_state").Count > 0)
                throw new DeepSharpException($"ONNX export: layer '{node.Layer.Name}' ({node.Layer.TypeName}) is called " +
                    (node.Outputs.Count > 1 ? $"with {node.Outputs.Count} outputs (states or attention scores)" : "with initial states") +
                    "; the exporter writes calls with one output and no initial states.");
            if (node.Inputs.Count == 1 && ReferenceEquals(node.Arguments, CallArguments.None))
            {
                var input = node.Inputs[0];
                var (y, mask) = OnnxLayerRules.Emit(g, node.Layer, names[input], input.Shape, masks.GetValueOrDefault(input));
                names[node.Output] = y;
                if (mask is not null) masks[node.Output] = mask;
                continue;
            }
            var xs = node.Inputs.Select(i => names[i]).ToArray();
            var shapes = node.Inputs.Select(i => i.Shape).ToArray();
            var inputMasks = node.Inputs.Select(i => masks.GetValueOrDefault(i)).ToArray();
            var (output, outputMask) = OnnxCallMasks.Emit(g, node.Layer, xs, shapes, node.Arguments, inputMasks);
            names[node.Output] = output;
            if (outputMask is not null) masks[node.Output] = outputMask;
        }
        foreach (var output in outputs)
        {
            string name = g.AddNode("Identity", "output", [names[output]]);
            g.AddOutput(name, output.Shape);
        }
        return Finish(g, modelName);
    }

    private static void CheckBuilt(Layer layer)
    {
        if (!layer.IsBuilt) throw new DeepSharpException($"ONNX export: layer '{layer.Name}' is not built; build or train the model first.");
    }

    private static byte[] Finish(OnnxGraphBuilder g, string modelName)
    {
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
