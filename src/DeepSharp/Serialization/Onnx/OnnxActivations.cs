using DeepSharp.Nn;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Activations as ONNX nodes (opset 17). Opset 17 has no Gelu, so the exact GELU is composed,
/// 0.5·x·(1 + erf(x/√2)), and Swish (SiLU) is x·sigmoid(x). LeakyRelu and Elu carry the slopes
/// DeepSharp's activations use (0.2, Keras's default, and 1); Selu's defaults are Keras's constants.
/// </summary>
internal static class OnnxActivations
{
    public static string Emit(OnnxGraphBuilder g, Activation activation, string x, string layerName) => activation.Name switch
    {
        "linear" => x,
        "relu" => g.AddNode("Relu", layerName + "/relu", [x]),
        "sigmoid" => g.AddNode("Sigmoid", layerName + "/sigmoid", [x]),
        "tanh" => g.AddNode("Tanh", layerName + "/tanh", [x]),
        "softmax" => g.AddNode("Softmax", layerName + "/softmax", [x], OnnxGraphBuilder.Int("axis", -1)),
        "leaky_relu" => g.AddNode("LeakyRelu", layerName + "/leaky_relu", [x], OnnxGraphBuilder.Float("alpha", 0.2f)),
        "elu" => g.AddNode("Elu", layerName + "/elu", [x], OnnxGraphBuilder.Float("alpha", 1f)),
        "selu" => g.AddNode("Selu", layerName + "/selu", [x],
            OnnxGraphBuilder.Float("alpha", Autograd.Ops.SeluAlpha), OnnxGraphBuilder.Float("gamma", Autograd.Ops.SeluScale)),
        "gelu" => Gelu(g, x, layerName),
        "swish" => g.AddNode("Mul", layerName + "/swish", [x, g.AddNode("Sigmoid", layerName + "/swish_sigmoid", [x])]),
        _ => OnnxCustomRules.Activation(g, activation, x, layerName),
    };

    private static string Gelu(OnnxGraphBuilder g, string x, string layerName)
    {
        string scaled = g.AddNode("Mul", layerName + "/gelu_scale", [x, g.AddInitializer(layerName + "/inv_sqrt2", [(float)(1 / Math.Sqrt(2))])]);
        string erf = g.AddNode("Erf", layerName + "/gelu_erf", [scaled]);
        string onePlus = g.AddNode("Add", layerName + "/gelu_add", [erf, g.AddInitializer(layerName + "/one", [1f])]);
        string half = g.AddNode("Mul", layerName + "/gelu_half", [x, g.AddInitializer(layerName + "/half", [0.5f])]);
        return g.AddNode("Mul", layerName + "/gelu", [half, onePlus]);
    }
}
