using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Compression;

/// <summary>
/// Post-training quantization of a functional model (<see cref="Quantization.Quantize(Model, Tensor, QuantizationOptions?)"/>):
/// the graph runs on the calibration data and each Dense, Conv2D or Conv1D call's input is observed; the
/// model's config is rewritten with the int8 layer types in those layers' places and rebuilt, so
/// the graph (residual Add, branches, several inputs) is the one of the float model; the weights
/// are carried over layer by layer, by name.
/// </summary>
internal static class GraphQuantization
{
    public static Model Quantize(Model model, LayerGraph graph, IReadOnlyList<Tensor> calibrationData, QuantizationOptions options)
    {
        if (graph.Inputs.Count != calibrationData.Count)
            throw new ArgumentException($"Quantization of '{model.Name}': the model has {graph.Inputs.Count} inputs ({graph.InputNames()}); got {calibrationData.Count} calibration tensors, one per input.", nameof(calibrationData));
        for (int i = 0; i < calibrationData.Count; i++)
        {
            Quantization.CheckCalibrationData(model, calibrationData[i], graph.Inputs[i].Shape, $"calibration data for input {i} ('{graph.Inputs[i].Layer.Name}')");
            if (calibrationData[i].Shape[0] != calibrationData[0].Shape[0])
                throw new ArgumentException($"Quantization of '{model.Name}': the calibration tensors hold {string.Join(", ", calibrationData.Select(t => t.Shape[0]))} samples; each input needs the same number.", nameof(calibrationData));
        }

        // A layer called twice sees two input ranges, and one int8 layer has one input grid: it stays float.
        var calls = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes) calls[node.Layer] = calls.GetValueOrDefault(node.Layer) + 1;
        var seeds = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        int seed = 0;
        foreach (var layer in graph.Layers)
            if (layer is not InputLayer) seeds[layer] = ++seed; // the seeds a Sequential of the same layers gives its ranges, so both sample alike

        // One range per value that an int8 layer reads (two readers of one value share its grid),
        // and per quantized Add's output (after the ReLU it fuses).
        var ranges = new Dictionary<SymbolicTensor, ActivationRange>(ReferenceEqualityComparer.Instance);
        ActivationRange RangeOf(SymbolicTensor value, int rangeSeed) =>
            ranges.TryGetValue(value, out var range) ? range : ranges[value] = new ActivationRange(options.MaxValuesPerLayer, rangeSeed);
        var quantized = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        var adds = new Dictionary<Layer, (SymbolicTensor A, SymbolicTensor B, SymbolicTensor Grid, bool Relu)>(ReferenceEqualityComparer.Instance);
        var joins = new Dictionary<Layer, SymbolicTensor>(ReferenceEqualityComparer.Instance);
        var readers = Readers(graph);
        var outputs = new HashSet<SymbolicTensor>(graph.Outputs, ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
        {
            var layer = node.Layer;
            if (layer is InputLayer || calls[layer] != 1) continue;
            if (Quantization.Quantizes(layer))
            {
                quantized.Add(layer);
                RangeOf(node.Inputs[0], seeds[layer]);
            }
            else if (layer is Add && node.Inputs.Count == 2 && node.Inputs[0].Shape == node.Inputs[1].Shape && FromInt8(node.Inputs[0], quantized) && FromInt8(node.Inputs[1], quantized))
            {
                // A ReLU that alone reads the sum is fused: the output grid is calibrated on the ReLU's output.
                var output = node.Output;
                bool relu = !outputs.Contains(output) && readers.TryGetValue(output, out var next) && next.Count == 1 && IsPlainRelu(next[0].Layer);
                // On through the layers exact on bytes that alone read it (max-pool, Flatten): the grid of
                // the int8 layer at the end, so the sum is written straight onto it (as a Sequential chain does).
                var grid = FollowBytes(relu ? readers[output][0].Output : output, readers, outputs);
                quantized.Add(layer);
                adds[layer] = (node.Inputs[0], node.Inputs[1], grid, relu);
                RangeOf(node.Inputs[0], 1000 + 3 * seeds[layer]);
                RangeOf(node.Inputs[1], 1001 + 3 * seeds[layer]);
                RangeOf(grid, 1002 + 3 * seeds[layer]);
            }
            else if (layer is Concatenate && node.Inputs.All(v => FromInt8(v, quantized)))
            {
                // Every input is put on the output's grid, calibrated where the joined value is read (through max-pool, Flatten).
                quantized.Add(layer);
                joins[layer] = FollowBytes(node.Output, readers, outputs);
                RangeOf(joins[layer], 2000 + seeds[layer]);
            }
        }
        Calibrate(graph, calibrationData, options, ranges);

        var config = model.GetConfig();
        var entries = config["layers"] as JsonArray ?? throw new InvalidOperationException($"Model '{model.Name}' wrote a config without layers.");
        var byName = graph.Layers.ToDictionary(l => l.Name);
        foreach (var entry in entries.OfType<JsonObject>())
        {
            string? name = (string?)(entry["config"] as JsonObject)?["name"] ?? (string?)entry["name"];
            if (name is null || !byName.TryGetValue(name, out var layer) || !quantized.Contains(layer)) continue;
            Layer twin = adds.TryGetValue(layer, out var add) ? new QuantizedAdd(add.Relu ? Activation.Relu : null, layer.Name)
                : layer is Concatenate c ? new QuantizedConcatenate(c.Axis, layer.Name) : Quantization.QuantizedTwin(layer, null);
            entry["class_name"] = twin.TypeName;
            entry["config"] = twin.GetConfig();
        }
        var made = Functional.FromConfig(config);
        var inputOf = new Dictionary<Layer, SymbolicTensor>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
            if (node.Layer is not InputLayer && calls[node.Layer] == 1) inputOf[node.Layer] = node.Inputs[0];
        foreach (var layer in made.Layers)
        {
            if (!byName.TryGetValue(layer.Name, out var from))
                throw new InvalidOperationException($"Quantization of '{model.Name}': the rebuilt graph has a layer '{layer.Name}' the model has not.");
            if (!layer.IsBuilt)
                throw new InvalidOperationException($"Quantization of '{model.Name}': layer '{layer.Name}' was not built by the rebuilt graph.");
            if (joins.TryGetValue(from, out var joined))
            {
                var (scale, zeroPoint) = ranges[joined].Choose(options);
                ((QuantizedConcatenate)layer).Assign(scale, zeroPoint);
            }
            else if (adds.TryGetValue(from, out var add))
                ((QuantizedAdd)layer).Assign(ranges[add.A].Choose(options), ranges[add.B].Choose(options), ranges[add.Grid].Choose(options));
            else
                Quantization.Transfer(from, layer, quantized.Contains(from) ? ranges[inputOf[from]] : null, options);
        }
        return made;
    }

    /// <summary>
    /// Whether <paramref name="value"/> comes from an int8 layer that writes bytes (ReLU or linear)
    /// or a quantized Add, through layers exact on bytes (max-pooling, Flatten, Dropout, plain ReLU).
    /// </summary>
    private static bool FromInt8(SymbolicTensor value, HashSet<Layer> quantized)
    {
        while (true)
        {
            var node = value.Node;
            var layer = node.Layer;
            if (quantized.Contains(layer))
                return layer is Add or Concatenate || (layer is Dense d ? d.Activation : layer is Conv2D c ? c.Activation : ((Conv1D)layer).Activation) is var a && (a == Activation.Relu || a == Activation.Linear);
            if (node.Inputs.Count != 1 || !IsByteExact(layer)) return false;
            value = node.Inputs[0];
        }
    }

    /// <summary>From <paramref name="value"/> on through the layers exact on bytes that alone read it, to the value an int8 layer reads.</summary>
    private static SymbolicTensor FollowBytes(SymbolicTensor value, Dictionary<SymbolicTensor, List<LayerNode>> readers, HashSet<SymbolicTensor> outputs)
    {
        while (!outputs.Contains(value) && readers.TryGetValue(value, out var only) && only.Count == 1 && only[0].Inputs.Count == 1 && IsByteExact(only[0].Layer))
            value = only[0].Output;
        return value;
    }

    private static bool IsByteExact(Layer layer) => layer is MaxPooling2D or MaxPooling1D or Flatten or Dropout || IsPlainRelu(layer);

    private static bool IsPlainRelu(Layer layer) => layer switch
    {
        Relu r => r.MaxValue is null && r.NegativeSlope == 0f && r.Threshold == 0f,
        ActivationLayer a => a.Activation == Activation.Relu,
        _ => false,
    };

    /// <summary>The calls that read each value.</summary>
    private static Dictionary<SymbolicTensor, List<LayerNode>> Readers(LayerGraph graph)
    {
        var readers = new Dictionary<SymbolicTensor, List<LayerNode>>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs.Distinct<SymbolicTensor>(ReferenceEqualityComparer.Instance))
            {
                if (!readers.TryGetValue(input, out var list)) readers[input] = list = [];
                list.Add(node);
            }
        return readers;
    }

    /// <summary>Runs the graph on the calibration batches (as Predict would) and shows each ranged value to its range.</summary>
    private static void Calibrate(LayerGraph graph, IReadOnlyList<Tensor> data, QuantizationOptions options, Dictionary<SymbolicTensor, ActivationRange> ranges)
    {
        int samples = data[0].Shape[0];
        using var noGrad = NoGrad.Scope();
        for (int start = 0; start < samples; start += options.BatchSize)
        {
            int rows = Math.Min(options.BatchSize, samples - start);
            using var scope = Tensor.Scope();
            var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
            var masks = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < data.Count; i++)
            {
                values[graph.Inputs[i]] = data[i].SliceRows(start, rows);
                if (ranges.TryGetValue(graph.Inputs[i], out var range)) range.Observe(values[graph.Inputs[i]].Span);
            }
            foreach (var node in graph.Nodes)
            {
                if (node.Layer is InputLayer) continue;
                var args = node.Inputs.Select(v => values[v]).ToArray();
                var (ys, mask) = node.Layer.CallNode(args, node.Inputs.Select(v => masks.GetValueOrDefault(v)).ToArray(), node.Arguments, training: false);
                for (int k = 0; k < ys.Count; k++)
                {
                    values[node.Outputs[k]] = ys[k];
                    if (ranges.TryGetValue(node.Outputs[k], out var range)) range.Observe(ys[k].Span);
                }
                if (mask is not null) masks[node.Output] = mask;
            }
        }
    }
}
