using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the activation layers with parameters: LeakyReLU, ELU, ReLU (threshold, maximum,
/// slope), PReLU (its learned alpha as an initializer that broadcasts) and Softmax along an axis.
/// </summary>
internal static class OnnxActivationLayerRules
{
    public static string LeakyRelu(OnnxGraphBuilder g, LeakyRelu layer, string x) =>
        g.AddNode("LeakyRelu", layer.Name, [x], Float("alpha", layer.NegativeSlope));

    public static string Elu(OnnxGraphBuilder g, Elu layer, string x) =>
        g.AddNode("Elu", layer.Name, [x], Float("alpha", layer.Alpha));

    /// <summary>
    /// The plain forms map to one node (Relu, LeakyRelu, Clip); the general one is Keras's formula:
    /// Where(x &gt; θ, x, 0), clipped to [0, max] when a maximum is set, minus slope·Relu(θ − x).
    /// </summary>
    public static string Relu(OnnxGraphBuilder g, Relu layer, string x)
    {
        string n = layer.Name;
        if (layer.Threshold == 0f && layer.MaxValue is null)
            return layer.NegativeSlope == 0f ? g.AddNode("Relu", n, [x]) : g.AddNode("LeakyRelu", n, [x], Float("alpha", layer.NegativeSlope));
        string zero = g.AddInitializer(n + "/zero", [0f]);
        if (layer.Threshold == 0f && layer.NegativeSlope == 0f)
            return g.AddNode("Clip", n, [x, zero, g.AddInitializer(n + "/max_value", [layer.MaxValue!.Value])]);
        string threshold = g.AddInitializer(n + "/threshold", [layer.Threshold]);
        string a = g.AddNode("Where", n + "/above", [g.AddNode("Greater", n + "/is_above", [x, threshold]), x, zero]);
        if (layer.MaxValue is { } max) a = g.AddNode("Clip", n + "/clip", [a, zero, g.AddInitializer(n + "/max_value", [max])]);
        if (layer.NegativeSlope == 0f) return g.AddNode("Identity", n, [a]);
        string below = g.AddNode("Relu", n + "/below", [g.AddNode("Sub", n + "/threshold_minus_x", [threshold, x])]);
        string scaled = g.AddNode("Mul", n + "/slope", [below, g.AddInitializer(n + "/negative_slope", [layer.NegativeSlope])]);
        return g.AddNode("Sub", n, [a, scaled]);
    }

    /// <summary>ONNX's PRelu broadcasts its slope from the right: alpha's per-sample shape does.</summary>
    public static string PRelu(OnnxGraphBuilder g, PRelu layer, string x)
    {
        var alpha = layer.Alpha;
        return g.AddNode("PRelu", layer.Name, [x, g.AddInitializer(alpha.Path, alpha.Value.Span, [.. alpha.Shape.ToArray().Select(d => (long)d)])]);
    }

    public static string Softmax(OnnxGraphBuilder g, Softmax layer, string x, Shape inputShape) =>
        g.AddNode("Softmax", layer.Name, [x], Int("axis", layer.ResolveAxis(inputShape.Rank + 1)));
}
