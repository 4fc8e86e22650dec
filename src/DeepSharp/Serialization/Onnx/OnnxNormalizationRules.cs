using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for BatchNormalization (inference form, moving statistics), LayerNormalization (any axes) and Normalization.</summary>
internal static class OnnxNormalizationRules
{
    /// <summary>
    /// Inference batch normalization, folded into one scale and shift per channel: y = x·s + t with
    /// s = γ/√(var + ε), t = β − mean·s (computed in double). For a channel axis other than the last
    /// the two initializers have shape (channels, 1, …, 1) so that they broadcast along it.
    /// </summary>
    public static string BatchNormalization(OnnxGraphBuilder g, BatchNormalization layer, string x, Shape inputShape)
    {
        var mean = layer.MovingMean!.Span;
        var variance = layer.MovingVariance!.Span;
        var gamma = layer.Parameters.FirstOrDefault(p => p.Name == "gamma")?.Value;
        var beta = layer.Parameters.FirstOrDefault(p => p.Name == "beta")?.Value;
        int c = mean.Length;
        var scale = new float[c];
        var shift = new float[c];
        for (int i = 0; i < c; i++)
        {
            double s = (gamma is null ? 1.0 : gamma.Span[i]) / Math.Sqrt(variance[i] + (double)layer.Epsilon);
            scale[i] = (float)s;
            shift[i] = (float)((beta is null ? 0.0 : beta.Span[i]) - mean[i] * s);
        }
        int rank = inputShape.Rank + 1, axis = layer.Axis < 0 ? layer.Axis + rank : layer.Axis;
        var dims = new long[rank - axis];
        Array.Fill(dims, 1L);
        dims[0] = c;
        string scaled = g.AddNode("Mul", layer.Name + "/scale", [x, g.AddInitializer(layer.Name + "/folded_scale", scale, dims)]);
        return g.AddNode("Add", layer.Name, [scaled, g.AddInitializer(layer.Name + "/folded_shift", shift, dims)]);
    }

    /// <summary>
    /// Keras's preprocessing Normalization as Sub and Div by max(√variance, 1e-7) (Mul and Add when inverted), the
    /// statistics as constants of the batch-broadcast shape: the same float operations as the layer, so the same bits.
    /// </summary>
    public static string Normalization(OnnxGraphBuilder g, Normalization layer, string x)
    {
        var std = new float[layer.Variance!.Size];
        NormalizationStatistics.StandardDeviation(layer.Variance.Span, layer.Mean!.Span, std, $"Layer '{layer.Name}' (Normalization)");
        var dims = layer.BroadcastDims;
        string mean = g.AddInitializer(layer.Name + "/mean", layer.Mean.Span, dims), deviation = g.AddInitializer(layer.Name + "/std", std, dims);
        return layer.Invert
            ? g.AddNode("Add", layer.Name, [g.AddNode("Mul", layer.Name + "/scale", [x, deviation]), mean])
            : g.AddNode("Div", layer.Name, [g.AddNode("Sub", layer.Name + "/center", [x, mean]), deviation]);
    }

    /// <summary>
    /// Opset 17's LayerNormalization over the trailing axes from the first normalised one; axes that
    /// are not trailing are moved there by a Transpose and back. A missing γ/β becomes ones/zeros.
    /// </summary>
    public static string LayerNormalization(OnnxGraphBuilder g, LayerNormalization layer, string x, Shape inputShape)
    {
        int rank = inputShape.Rank + 1;
        var axes = layer.Axis.Select(a => a < 0 ? a + rank : a).Order().ToArray();
        var kept = Enumerable.Range(0, rank).Where(a => !axes.Contains(a));
        var perm = kept.Concat(axes).Select(a => (long)a).ToArray();
        bool move = !perm.Select((a, i) => a == i).All(same => same);
        var dims = axes.Select(a => (long)inputShape[a - 1]).ToArray();
        int size = (int)dims.Aggregate(1L, (p, d) => p * d);
        var gamma = layer.Parameters.FirstOrDefault(p => p.Name == "gamma")?.Value;
        var beta = layer.Parameters.FirstOrDefault(p => p.Name == "beta")?.Value;
        string scale = gamma is null ? g.AddInitializer(layer.Name + "/ones", Enumerable.Repeat(1f, size).ToArray(), dims) : g.AddInitializer(layer.Name + "/gamma", gamma.Span, dims);
        string input = move ? g.AddNode("Transpose", layer.Name + "/to_last", [x], Ints("perm", perm)) : x;
        var inputs = new List<string> { input, scale };
        if (beta is not null) inputs.Add(g.AddInitializer(layer.Name + "/beta", beta.Span, dims));
        string y = g.AddNode("LayerNormalization", move ? layer.Name + "/normalize" : layer.Name, inputs, Int("axis", rank - axes.Length), Float("epsilon", layer.Epsilon));
        if (!move) return y;
        var inverse = new long[rank];
        for (int k = 0; k < rank; k++) inverse[perm[k]] = k;
        return g.AddNode("Transpose", layer.Name, [y], Ints("perm", inverse));
    }
}
