using DeepSharp.Nn;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Activations as ONNX nodes (opset 17). Opset 17 has no Gelu, so the exact GELU is composed,
/// 0.5·x·(1 + erf(x/√2)), and Swish (SiLU) is x·sigmoid(x). LeakyRelu and Elu carry the slopes
/// DeepSharp's activations use (0.2, Keras's default, and 1); Selu's defaults are Keras's constants.
/// ReLU6 is Min(Relu(x), 6); Keras 3's hard sigmoid is HardSigmoid with α = 1/6, β = ½ (HardSwish's own
/// constants, so hard SiLU is HardSwish); Mish, which opset 17 lacks, is x·tanh(softplus(x)).
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
        "softplus" => g.AddNode("Softplus", layerName + "/softplus", [x]),
        "softsign" => g.AddNode("Softsign", layerName + "/softsign", [x]),
        "relu6" => g.AddNode("Min", layerName + "/relu6", [g.AddNode("Relu", layerName + "/relu6_relu", [x]), g.AddInitializer(layerName + "/six", [6f])]),
        "hard_sigmoid" => g.AddNode("HardSigmoid", layerName + "/hard_sigmoid", [x],
            OnnxGraphBuilder.Float("alpha", 1f / 6), OnnxGraphBuilder.Float("beta", 0.5f)),
        "hard_silu" => g.AddNode("HardSwish", layerName + "/hard_silu", [x]),
        "exponential" => g.AddNode("Exp", layerName + "/exponential", [x]),
        "mish" => g.AddNode("Mul", layerName + "/mish", [x, g.AddNode("Tanh", layerName + "/mish_tanh", [g.AddNode("Softplus", layerName + "/mish_softplus", [x])])]),
        "log_softmax" => g.AddNode("LogSoftmax", layerName + "/log_softmax", [x], OnnxGraphBuilder.Int("axis", -1)),
        _ => OnnxShrinkActivations.Emit(g, activation.Name, x, layerName) ?? OnnxCustomRules.Activation(g, activation, x, layerName),
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
