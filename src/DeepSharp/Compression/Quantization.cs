using System.Text;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Compression;

/// <summary>
/// Post-training int8 quantization (docs/compression.md): every Dense, Conv2D and Conv1D of a trained
/// Sequential or functional model becomes a <see cref="QuantizedDense"/>, <see cref="QuantizedConv2D"/> or
/// <see cref="QuantizedConv1D"/> that computes in int8 — per-output-channel symmetric int8 weights in [−127, 127], the input quantized
/// to u8 with a scale and zero point calibrated on sample data — and every other layer stays float.
/// </summary>
public static class Quantization
{
    /// <summary>
    /// A new model that predicts through the int8 kernels; <paramref name="model"/> is unchanged. It is compiled as
    /// <paramref name="model"/> was (a fresh optimizer of the same settings, the same losses and metrics), as Keras's
    /// <c>model.quantize</c> keeps the model's compile settings, so <c>Evaluate</c> runs at once (a model compiled with
    /// a class of your own gives an uncompiled one: compile it); <see cref="Model.Save"/> writes I8 kernels, F32 scales and U8 zero points.
    /// </summary>
    /// <param name="model">A built Sequential model.</param>
    /// <param name="calibrationData">Typical inputs, (samples, ...) as the model takes them; a few hundred to a few thousand suffice.</param>
    /// <param name="options">The calibration method and its settings; null for MinMax.</param>
    /// <exception cref="ArgumentException">The model is not built, or the data are empty or of the wrong shape.</exception>
    public static Sequential Quantize(Sequential model, Tensor calibrationData, QuantizationOptions? options = null) =>
        (Sequential)Quantize((Model)model, calibrationData, options);

    /// <summary>
    /// The same for any built model (one input): a Sequential gives a Sequential; a functional
    /// model (residual Add, branches) gives a functional model with the same graph in which every
    /// Dense, Conv2D and Conv1D called once is int8 (a layer called more than once sees several input
    /// ranges and stays float); Add and the other layers run in float between them.
    /// </summary>
    /// <param name="model">A built Sequential or functional model with one input (several: the overload with a list).</param>
    /// <param name="calibrationData">Typical inputs, (samples, ...) as the model takes them; a few hundred to a few thousand suffice.</param>
    /// <param name="options">The calibration method and its settings; null for MinMax.</param>
    /// <exception cref="ArgumentException">The model is not built or has several inputs, or the data are empty or of the wrong shape.</exception>
    public static Model Quantize(Model model, Tensor calibrationData, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(calibrationData);
        return Quantize(model, [calibrationData], options);
    }

    /// <summary>
    /// The same for a functional model with several inputs: one calibration tensor per input, in
    /// the order of the model's inputs, with the same number of samples (rows that go together).
    /// </summary>
    /// <param name="model">A built Sequential or functional model.</param>
    /// <param name="calibrationData">Typical inputs, one (samples, ...) tensor per model input.</param>
    /// <param name="options">The calibration method and its settings; null for MinMax.</param>
    /// <exception cref="ArgumentException">The model is not built, the number of tensors is not the number of inputs, or a tensor is empty, of the wrong shape or of another sample count.</exception>
    public static Model Quantize(Model model, IReadOnlyList<Tensor> calibrationData, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibrationData);
        if (calibrationData.Any(t => t is null)) throw new ArgumentNullException(nameof(calibrationData), "Quantization: a calibration tensor is null.");
        options ??= new QuantizationOptions();
        if (!model.IsBuilt || (model is not Sequential && model.LayerGraph is null))
            throw new ArgumentException($"Quantization takes a built Sequential or functional model; '{model.Name}' is {(model.IsBuilt ? model.GetType().Name + " (subclassed)" : "not built")}.", nameof(model));
        if (options.BatchSize < 1 || options.MaxValuesPerLayer < 1 || !(options.Percentile > 50 && options.Percentile <= 100))
            throw new ArgumentOutOfRangeException(nameof(options), $"Quantization options need BatchSize ≥ 1, MaxValuesPerLayer ≥ 1 and 50 < Percentile ≤ 100; got {options}.");
        var quantized = model is not Sequential
            ? GraphQuantization.Quantize(model, model.LayerGraph!, calibrationData, options)
            : QuantizeSequential(model, calibrationData, options);
        model.CompileLike(quantized);
        return quantized;
    }

    private static Sequential QuantizeSequential(Model model, IReadOnlyList<Tensor> calibrationData, QuantizationOptions options)
    {
        if (calibrationData.Count != 1)
            throw new ArgumentException($"Quantization of '{model.Name}': a Sequential model has one input; got {calibrationData.Count} calibration tensors.", nameof(calibrationData));
        var layers = model.Layers;
        var inputShape = layers[0].BuiltInputShape!.Value;
        CheckCalibrationData(model, calibrationData[0], inputShape);

        var ranges = Calibrate(layers, calibrationData[0], options);
        var made = new List<Layer>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
            made.Add(ranges[i] is null ? LayerRegistry.Clone(layers[i]) : QuantizedTwin(layers[i], i == 0 ? inputShape.ToArray() : null));
        var quantized = new Sequential(made, model.Name);
        quantized.Build(inputShape);
        for (int i = 0; i < layers.Count; i++) Transfer(layers[i], made[i], ranges[i], options);
        return quantized;
    }

    /// <exception cref="ArgumentException">The data are not (samples ≥ 1, input shape).</exception>
    internal static void CheckCalibrationData(Model model, Tensor calibrationData, Shape inputShape, string what = "calibration data")
    {
        if (calibrationData.Rank < 1 || calibrationData.Shape[0] == 0 || calibrationData.Shape.WithoutBatch() != inputShape)
            throw new ArgumentException($"Quantization of '{model.Name}': {what} {calibrationData.Shape} must be (samples ≥ 1, {string.Join(", ", inputShape.ToArray())}).", nameof(calibrationData));
    }

    /// <summary>Whether quantization turns <paramref name="layer"/> into an int8 layer (every Dense, Conv2D and Conv1D, causal ones included).</summary>
    internal static bool Quantizes(Layer layer) => layer is Dense or Conv2D or Conv1D;

    /// <summary>The unbuilt int8 layer that replaces a Dense, Conv2D or Conv1D (same name and settings).</summary>
    internal static Layer QuantizedTwin(Layer layer, int[]? inputShape) => layer switch
    {
        Dense d => new QuantizedDense(d.Units, d.Activation, d.UseBias, d.Name, inputShape),
        Conv2D c => new QuantizedConv2D(c.Filters, c.KernelSize, c.Strides, c.Padding, c.DilationRate, c.Activation, c.UseBias, c.Name, inputShape),
        Conv1D c => new QuantizedConv1D(c.Filters, c.KernelSize, c.Strides, c.Padding, c.DilationRate, c.Activation, c.UseBias, c.Name, inputShape),
        _ => throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) has no int8 form.", nameof(layer)),
    };

    /// <summary>
    /// Fills the built layer <paramref name="to"/> from <paramref name="from"/>: the int8 kernel,
    /// scales, bias and the input grid <paramref name="range"/> chooses for a quantized twin, a
    /// copy of the weights otherwise.
    /// </summary>
    internal static void Transfer(Layer from, Layer to, ActivationRange? range, QuantizationOptions options)
    {
        if (range is not null)
        {
            var (scale, zeroPoint) = range.Choose(options);
            var weights = ((IQuantizedLayer)to).Weights;
            var kernel = from.Parameters.First(p => p.Name == "kernel").Value;
            var bias = from.Parameters.FirstOrDefault(p => p.Name == "bias")?.Value.ToArray() ?? [];
            var (q, scales) = QuantizeKernel(kernel.Span, kernel.Shape[-1], from.Name);
            weights.Assign(q, scales, bias, scale, zeroPoint);
            return;
        }
        var source = from.Parameters;
        var target = to.Parameters;
        for (int p = 0; p < source.Count; p++) source[p].Value.Span.CopyTo(target[p].Value.Span);
    }

    /// <summary>
    /// A copy of <paramref name="model"/> for quantization-aware training (tfmot's quantize_model):
    /// every Dense, Conv2D and Conv1D trains with its kernel fake-quantized to per-channel int8 and its input
    /// to u8 on a range tracked during Fit; gradients pass by the straight-through estimator. Other
    /// layers are copies. Compile and Fit it (a few epochs at a low learning rate), then
    /// <see cref="Convert"/> it. <paramref name="model"/> is unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The model is not a built Sequential.</exception>
    public static Sequential PrepareForTraining(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not Sequential || !model.IsBuilt)
            throw new ArgumentException($"Quantization-aware training takes a built Sequential model; '{model.Name}' is {(model.IsBuilt ? model.GetType().Name : "not built")}.", nameof(model));
        var layers = model.Layers;
        var inputShape = layers[0].BuiltInputShape!.Value;
        var made = new List<Layer>(layers.Count);
        foreach (var layer in layers) made.Add(Quantizes(layer) ? new FakeQuantLayer(layer) : LayerRegistry.Clone(layer));
        var prepared = new Sequential(made, model.Name);
        prepared.Build(inputShape);
        for (int i = 0; i < layers.Count; i++)
            if (made[i] is not FakeQuantLayer)
            {
                var from = layers[i].Parameters;
                var to = made[i].Parameters;
                for (int p = 0; p < from.Count; p++) from[p].Value.Span.CopyTo(to[p].Value.Span);
            }
        return prepared;
    }

    /// <summary>
    /// The int8 model of a model trained by <see cref="PrepareForTraining"/>: each fake-quantized
    /// layer becomes a <see cref="QuantizedDense"/> or <see cref="QuantizedConv2D"/> with the trained
    /// kernel (quantized as the training saw it) and the input range tracked during training.
    /// </summary>
    /// <exception cref="ArgumentException">The model holds no fake-quantized layer, or one that never saw a training batch.</exception>
    public static Sequential Convert(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.Layers;
        if (!layers.Any(l => l is FakeQuantLayer))
            throw new ArgumentException($"Model '{model.Name}' has no quantization-aware layers: make it with Quantization.PrepareForTraining and Fit it.", nameof(model));
        var inputShape = layers[0].BuiltInputShape!.Value;
        var made = new List<Layer>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            int[]? first = i == 0 ? inputShape.ToArray() : null;
            made.Add(layers[i] is FakeQuantLayer f ? QuantizedTwin(f.Original, first) : LayerRegistry.Clone(layers[i]));
        }
        var quantized = new Sequential(made, model.Name);
        quantized.Build(inputShape);
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is FakeQuantLayer f)
            {
                var (min, max) = f.InputRange;
                if (!f.Observed)
                    throw new ArgumentException($"Layer '{f.Name}' saw no training batch, so its input range is unknown: Fit the model before Convert.", nameof(model));
                var (scale, zeroPoint) = ActivationRange.Affine(min, max);
                var (q, scales) = QuantizeKernel(f.Kernel.Span, f.Kernel.Shape[-1], f.Name);
                var weights = ((IQuantizedLayer)made[i]).Weights;
                weights.Assign(q, scales, f.Bias is { } b ? b.Span : [], scale, zeroPoint);
            }
            else
            {
                var from = layers[i].Parameters;
                var to = made[i].Parameters;
                for (int p = 0; p < from.Count; p++) from[p].Value.Span.CopyTo(to[p].Value.Span);
            }
        }
        return quantized;
    }

    /// <summary>
    /// Per-output-channel symmetric int8: channel j (the last axis) gets scale max|w| / 127 and
    /// q = round(w / scale) in [−127, 127] (−128 is never used, so the range is symmetric; a zero
    /// channel gets scale 1).
    /// </summary>
    /// <exception cref="ArgumentException">A weight is NaN or infinite.</exception>
    public static (sbyte[] Values, float[] Scales) QuantizeKernel(ReadOnlySpan<float> kernel, int channels, string name = "kernel")
    {
        if (channels < 1 || kernel.Length % channels != 0)
            throw new ArgumentException($"Quantizing '{name}': {kernel.Length} weights do not split into {channels} channels.", nameof(channels));
        var scales = new float[channels];
        for (int i = 0; i < kernel.Length; i++)
        {
            float v = kernel[i];
            if (!float.IsFinite(v)) throw new ArgumentException($"Quantizing '{name}': weight {i} is {v}.", nameof(kernel));
            scales[i % channels] = Math.Max(scales[i % channels], Math.Abs(v));
        }
        for (int j = 0; j < channels; j++) scales[j] = scales[j] > 0f ? scales[j] / 127f : 1f;
        var values = new sbyte[kernel.Length];
        for (int i = 0; i < kernel.Length; i++)
            values[i] = (sbyte)Math.Clamp(MathF.Round(kernel[i] / scales[i % channels]), -127f, 127f);
        return (values, scales);
    }

    /// <summary>
    /// One line per layer: which compute in int8 (with the input's scale and zero point) and which stay float.
    /// </summary>
    public static string Describe(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var text = new StringBuilder();
        int quantized = 0;
        var layers = model.Layers;
        // Layers inside a chain of quantized layers (Predict carries u8 activations through them; in a
        // functional model, the layers QuantizedGraph runs on bytes).
        var onBytes = new bool[layers.Count];
        for (int i = 0; i < layers.Count && model is Sequential; i++)
        {
            int end = QuantizedChain.ChainEnd(layers, i);
            for (int j = i + 1; j < end; j++) onBytes[j] = true;
            if (end > i) i = end - 1;
        }
        if (model.LayerGraph is { } graph)
        {
            var bytes = QuantizedGraph.LayersOnBytes(graph.Nodes, graph.Outputs);
            for (int i = 0; i < layers.Count; i++) onBytes[i] = bytes.Contains(layers[i]);
        }
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string what = layer switch
            {
                IQuantizedLayer q => $"int8 (input scale {q.InputScale:G4}, zero point {q.InputZeroPoint}; per-channel int8 kernel)",
                QuantizedConcatenate j => $"int8 concatenate (output {j.OutputScale:G4}/{j.OutputZeroPoint}, every input on it)",
                QuantizedAdd a => $"int8 add (inputs {a.InputScale(0):G4}/{a.InputZeroPoint(0)} and {a.InputScale(1):G4}/{a.InputZeroPoint(1)}, output {a.OutputScale:G4}/{a.OutputZeroPoint}{(a.Activation == Activation.Relu ? ", ReLU fused" : "")})",
                _ when onBytes[i] => "u8 (runs on the bytes between int8 layers)",
                _ when layer.Parameters.Count == 0 => "float (no weights)",
                _ => "float",
            };
            if (layer is IQuantizedLayer or QuantizedAdd or QuantizedConcatenate) quantized++;
            text.AppendLine($"{layer.Name,-24} {layer.TypeName,-18} {what}");
        }
        text.Append($"{quantized} of {layers.Count} layers compute in int8.");
        return text.ToString();
    }

    private static ActivationRange?[] Calibrate(IReadOnlyList<Layer> layers, Tensor data, QuantizationOptions options)
    {
        var ranges = new ActivationRange?[layers.Count];
        for (int i = 0; i < layers.Count; i++)
            if (Quantizes(layers[i])) ranges[i] = new ActivationRange(options.MaxValuesPerLayer, seed: i + 1);
        int samples = data.Shape[0];
        using var noGrad = NoGrad.Scope();
        for (int start = 0; start < samples; start += options.BatchSize)
        {
            var x = data.SliceRows(start, Math.Min(options.BatchSize, samples - start));
            for (int i = 0; i < layers.Count; i++)
            {
                ranges[i]?.Observe(x.Span);
                x = layers[i].Call(x, training: false);
            }
        }
        return ranges;
    }
}
