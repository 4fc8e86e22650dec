using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for GroupNormalization, UnitNormalization and RMSNormalization, written with basic opset-17 operators.</summary>
internal static class OnnxGroupUnitNormalizationRules
{
    /// <summary>
    /// The channels moved last (Transpose, when the axis is not), then Reshape to (batch, positions, groups, channels per
    /// group), ReduceMean over axes 1 and 3 for the mean and the (biased) variance, (x − mean)/√(variance + ε), Reshape
    /// back, Mul by γ and Add β per channel.
    /// </summary>
    public static string GroupNormalization(OnnxGraphBuilder g, GroupNormalization layer, string x, Shape inputShape)
    {
        int rank = inputShape.Rank + 1, axis = layer.ChannelAxis(inputShape);
        var perm = Enumerable.Range(0, rank).Where(a => a != axis).Append(axis).Select(a => (long)a).ToArray();
        bool move = axis != rank - 1;
        string moved = move ? g.Transpose(x, layer.Name + "/to_last", perm) : x;
        var movedDims = perm.Skip(1).Select(a => (long)inputShape[(int)a - 1]).ToArray(); // per sample, channels last
        long channels = movedDims[^1], perGroup = channels / layer.Groups;
        long positions = movedDims.Aggregate(1L, (p, d) => p * d) / channels;
        string grouped = g.AddNode("Reshape", layer.Name + "/grouped", [moved, g.AddInt64Initializer(layer.Name + "/grouped_shape", 0, positions, layer.Groups, perGroup)]);
        string mean = g.AddNode("ReduceMean", layer.Name + "/mean", [grouped], Ints("axes", 1, 3), Int("keepdims", 1));
        string centered = g.AddNode("Sub", layer.Name + "/center", [grouped, mean]);
        string variance = g.AddNode("ReduceMean", layer.Name + "/variance", [g.AddNode("Mul", layer.Name + "/square", [centered, centered])], Ints("axes", 1, 3), Int("keepdims", 1));
        string std = g.AddNode("Sqrt", layer.Name + "/std", [g.AddNode("Add", layer.Name + "/add_epsilon", [variance, g.AddInitializer(layer.Name + "/epsilon", [layer.Epsilon])])]);
        string normalized = g.AddNode("Div", layer.Name + "/normalize", [centered, std]);
        string y = g.AddNode("Reshape", layer.Name + "/ungrouped", [normalized, g.AddInt64Initializer(layer.Name + "/shape", [0, .. movedDims])]);
        if (layer.Gamma is { } gamma) y = g.AddNode("Mul", layer.Name + "/scale", [y, g.AddInitializer(layer.Name + "/gamma", gamma.Span, channels)]);
        if (layer.Beta is { } beta) y = g.AddNode("Add", layer.Name + "/offset", [y, g.AddInitializer(layer.Name + "/beta", beta.Span, channels)]);
        if (!move) return g.AddNode("Identity", layer.Name, [y]);
        var inverse = new long[rank];
        for (int k = 0; k < rank; k++) inverse[perm[k]] = k;
        return g.Transpose(y, layer.Name, inverse);
    }

    /// <summary>x / √max(Σx², 1e-24) over the layer's axes (ReduceSumSquare, Max, Sqrt, Div): the layer's own operations.</summary>
    public static string UnitNormalization(OnnxGraphBuilder g, UnitNormalization layer, string x)
    {
        var axes = layer.ResolvedAxes.Select(a => (long)a).ToArray();
        string sum = g.AddNode("ReduceSumSquare", layer.Name + "/sum_of_squares", [x], Ints("axes", axes), Int("keepdims", 1));
        string floored = g.AddNode("Max", layer.Name + "/floor", [sum, g.AddInitializer(layer.Name + "/min_sum_of_squares", [Nn.Layers.UnitNormalization.MinSumOfSquares])]);
        return g.AddNode("Div", layer.Name, [x, g.AddNode("Sqrt", layer.Name + "/norm", [floored])]);
    }

    /// <summary>
    /// x / √(mean(x²) + ε) · scale over the layer's axes (Mul, ReduceMean, Add, Sqrt, Div, Mul; opset 17 has no
    /// RMSNormalization operator): the layer's own operations, the scale as a constant of its broadcast shape.
    /// </summary>
    public static string RmsNormalization(OnnxGraphBuilder g, RmsNormalization layer, string x)
    {
        var axes = layer.ResolvedAxes.Select(a => (long)a).ToArray();
        string square = g.AddNode("Mul", layer.Name + "/square", [x, x]);
        string meanSquare = g.AddNode("ReduceMean", layer.Name + "/mean_square", [square], Ints("axes", axes), Int("keepdims", 1));
        string shifted = g.AddNode("Add", layer.Name + "/plus_epsilon", [meanSquare, g.AddInitializer(layer.Name + "/epsilon", [layer.Epsilon])]);
        string normalized = g.AddNode("Div", layer.Name + "/normalized", [x, g.AddNode("Sqrt", layer.Name + "/rms", [shifted])]);
        var dims = layer.BroadcastShape.ToArray().Select(d => (long)d).ToArray();
        return g.AddNode("Mul", layer.Name, [normalized, g.AddInitializer(layer.Name + "/scale", layer.Scale!.Span, dims)]);
    }
}
