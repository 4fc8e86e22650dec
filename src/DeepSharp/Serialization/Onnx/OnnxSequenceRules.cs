using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the layers over (batch, steps, channels) sequences: 1-D pooling (transposed to
/// ONNX's channels-first and back), global 1-D pooling (reductions over the steps; the masked
/// mean as Σ x·mask / Σ mask, exactly what the layer computes), RepeatVector (Tile), Permute (Transpose)
/// and TimeDistributed (the wrapped layer's rule on the steps folded into the batch).
/// </summary>
internal static class OnnxSequenceRules
{
    /// <summary>MaxPool or AveragePool (padding not counted) over the steps, with Keras's "same" split of the padding.</summary>
    public static string Pool1D(OnnxGraphBuilder g, Pooling1D layer, string x, Shape inputShape)
    {
        bool same = layer.Padding == Padding.Same;
        var (steps, before) = Kernels.Cpu.Conv2DGeometry.OutputSize(inputShape[0], layer.PoolSize, layer.Strides, 1, same);
        long after = same ? Math.Max(0, (steps - 1L) * layer.Strides + layer.PoolSize - inputShape[0] - before) : 0;
        string ncw = g.Transpose(x, layer.Name + "/to_ncw", 0, 2, 1);
        var attributes = new List<Proto.AttributeProto>
        {
            Ints("kernel_shape", layer.PoolSize), Ints("strides", layer.Strides), Ints("pads", same ? before : 0, after),
        };
        if (layer is AveragePooling1D) attributes.Add(Int("count_include_pad", 0));
        string y = g.AddNode(layer is AveragePooling1D ? "AveragePool" : "MaxPool", layer.Name, [ncw], [.. attributes]);
        return g.Transpose(y, layer.Name + "/to_nwc", 0, 2, 1);
    }

    public static string GlobalMaxPool1D(OnnxGraphBuilder g, GlobalMaxPooling1D layer, string x) =>
        g.AddNode("ReduceMax", layer.Name, [x], Ints("axes", 1), Int("keepdims", layer.KeepDims ? 1 : 0));

    /// <summary>ReduceMean over the steps; with a propagated mask, Σ x·mask / Σ mask (NaN where every step is masked, as the layer).</summary>
    public static string GlobalAveragePool1D(OnnxGraphBuilder g, GlobalAveragePooling1D layer, string x, string? mask)
    {
        long keep = layer.KeepDims ? 1 : 0;
        if (mask is null) return g.AddNode("ReduceMean", layer.Name, [x], Ints("axes", 1), Int("keepdims", keep));
        string n = layer.Name;
        string weights = g.Cast(mask, n + "/mask_float", Proto.TensorProto.Types.DataType.Float); // (batch, steps)
        string axes = g.AddInt64Initializer(n + "/steps_axis", 1);
        string masked = g.AddNode("Mul", n + "/masked", [x, g.Unsqueeze(weights, n + "/mask_channels", 2)]);
        string sum = g.AddNode("ReduceSum", n + "/sum", [masked, axes], Int("keepdims", keep));
        string kept = g.AddNode("ReduceSum", n + "/kept", [weights, axes], Int("keepdims", 1)); // (batch, 1)
        if (layer.KeepDims) kept = g.Unsqueeze(kept, n + "/kept_steps", 2);
        return g.AddNode("Div", n, [sum, kept]);
    }

    /// <summary>(batch, features) → Unsqueeze to (batch, 1, features) → Tile n times along the new axis.</summary>
    public static string RepeatVector(OnnxGraphBuilder g, RepeatVector layer, string x) =>
        g.AddNode("Tile", layer.Name, [g.Unsqueeze(x, layer.Name + "/steps", 1), g.AddInt64Initializer(layer.Name + "/repeats", 1, layer.N, 1)]);

    public static string Permute(OnnxGraphBuilder g, Permute layer, string x) =>
        g.Transpose(x, layer.Name, [.. layer.BatchPermutation().Select(a => (long)a)]);

    /// <summary>
    /// Folds (batch, time, …) into (batch·time, …) with Reshape, emits the wrapped layer's own rule
    /// on that, and unfolds its output to (batch, time, …).
    /// </summary>
    public static string TimeDistributed(OnnxGraphBuilder g, TimeDistributed layer, string x, Shape inputShape)
    {
        var step = layer.StepShape(inputShape);
        string folded = g.AddNode("Reshape", layer.Name + "/fold", [x, g.AddInt64Initializer(layer.Name + "/folded_shape", [-1, .. step.ToArray().Select(d => (long)d)])]);
        string y = OnnxLayerRules.Emit(g, layer.Layer, folded, step);
        var output = layer.Layer.ComputeOutputShape(step);
        return g.AddNode("Reshape", layer.Name, [y, g.AddInt64Initializer(layer.Name + "/unfolded_shape", [-1, inputShape[0], .. output.ToArray().Select(d => (long)d)])]);
    }
}
