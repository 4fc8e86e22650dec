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
        var ranges = new Dictionary<Layer, ActivationRange>(ReferenceEqualityComparer.Instance);
        int seed = 0;
        foreach (var layer in graph.Layers)
        {
            if (layer is InputLayer) continue;
            seed++; // the seeds a Sequential of the same layers gives its ranges, so both sample alike
            if (Quantization.Quantizes(layer) && calls[layer] == 1) ranges[layer] = new ActivationRange(options.MaxValuesPerLayer, seed);
        }
        Calibrate(graph, calibrationData, options, ranges);

        var config = model.GetConfig();
        var entries = config["layers"] as JsonArray ?? throw new InvalidOperationException($"Model '{model.Name}' wrote a config without layers.");
        var byName = graph.Layers.ToDictionary(l => l.Name);
        foreach (var entry in entries.OfType<JsonObject>())
        {
            string? name = (string?)(entry["config"] as JsonObject)?["name"] ?? (string?)entry["name"];
            if (name is null || !byName.TryGetValue(name, out var layer) || !ranges.ContainsKey(layer)) continue;
            var twin = Quantization.QuantizedTwin(layer, null);
            entry["class_name"] = twin.TypeName;
            entry["config"] = twin.GetConfig();
        }
        var quantized = Functional.FromConfig(config);
        foreach (var layer in quantized.Layers)
        {
            if (!byName.TryGetValue(layer.Name, out var from))
                throw new InvalidOperationException($"Quantization of '{model.Name}': the rebuilt graph has a layer '{layer.Name}' the model has not.");
            if (!layer.IsBuilt)
                throw new InvalidOperationException($"Quantization of '{model.Name}': layer '{layer.Name}' was not built by the rebuilt graph.");
            Quantization.Transfer(from, layer, ranges.GetValueOrDefault(from), options);
        }
        return quantized;
    }

    private static void Calibrate(LayerGraph graph, IReadOnlyList<Tensor> data, QuantizationOptions options, Dictionary<Layer, ActivationRange> ranges)
    {
        int samples = data[0].Shape[0];
        using var noGrad = NoGrad.Scope();
        for (int start = 0; start < samples; start += options.BatchSize)
        {
            int rows = Math.Min(options.BatchSize, samples - start);
            var x = data.Select(t => t.SliceRows(start, rows)).ToArray();
            graph.Run(x, training: false, beforeCall: (layer, input) =>
            {
                if (ranges.TryGetValue(layer, out var range)) range.Observe(input.Span);
            });
        }
    }
}
