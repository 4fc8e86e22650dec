using DeepSharp.Serialization.Onnx.Proto;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Keras 3's shrinking, hard and sparse activations as ONNX nodes (opset 17), each exact: Celu and Shrink are ONNX
/// ops (hard shrink is Shrink with bias 0, soft shrink Shrink with bias = λ = 0.5); sparse sigmoid is HardSigmoid with
/// α = β = ½; hard tanh is Clip(−1, 1); log σ(x) = −softplus(−x); the others are short compositions of their formulas.
/// Sparsemax sorts each row with TopK and finds the support from cumulative sums (see <c>Ops.Sparsemax</c>).
/// </summary>
internal static class OnnxShrinkActivations
{
    /// <summary>The node(s) of <paramref name="name"/> applied to <paramref name="x"/>; null when it is none of these activations.</summary>
    public static string? Emit(OnnxGraphBuilder g, string name, string x, string layerName)
    {
        string n = layerName + "/" + name;
        string Constant(string stem, float value) => g.AddInitializer(n + "/" + stem, [value]);
        return name switch
        {
            "celu" => g.AddNode("Celu", n, [x], Float("alpha", 1f)),
            "hard_shrink" => g.AddNode("Shrink", n, [x], Float("bias", 0f), Float("lambd", 0.5f)),
            "soft_shrink" => g.AddNode("Shrink", n, [x], Float("bias", 0.5f), Float("lambd", 0.5f)),
            "tanh_shrink" => g.AddNode("Sub", n, [x, g.AddNode("Tanh", n + "_tanh", [x])]),
            "hard_tanh" => g.AddNode("Clip", n, [x, Constant("min", -1f), Constant("max", 1f)]),
            "log_sigmoid" => g.AddNode("Neg", n, [g.AddNode("Softplus", n + "_softplus", [g.AddNode("Neg", n + "_neg", [x])])]),
            "sparse_sigmoid" => g.AddNode("HardSigmoid", n, [x], Float("alpha", 0.5f), Float("beta", 0.5f)),
            "sparse_plus" => SparsePlus(g, x, n, Constant),
            "squareplus" => Squareplus(g, x, n, Constant),
            "sparsemax" => Sparsemax(g, x, n),
            _ => null,
        };
    }

    /// <summary>With c = clip(x, −1, 1): (c + 1)²/4 + relu(x − 1), which is 0, (x + 1)²/4 and x on the three pieces.</summary>
    private static string SparsePlus(OnnxGraphBuilder g, string x, string n, Func<string, float, string> constant)
    {
        string one = constant("one", 1f);
        string clipped = g.AddNode("Clip", n + "_clip", [x, constant("min", -1f), one]);
        string shifted = g.AddNode("Add", n + "_shift", [clipped, one]);
        string square = g.AddNode("Mul", n + "_square", [g.AddNode("Mul", n + "_sq", [shifted, shifted]), constant("quarter", 0.25f)]);
        return g.AddNode("Add", n, [square, g.AddNode("Relu", n + "_above", [g.AddNode("Sub", n + "_excess", [x, one])])]);
    }

    /// <summary>(x + √(x² + 4))/2.</summary>
    private static string Squareplus(OnnxGraphBuilder g, string x, string n, Func<string, float, string> constant)
    {
        string root = g.AddNode("Sqrt", n + "_sqrt", [g.AddNode("Add", n + "_b", [g.AddNode("Mul", n + "_sq", [x, x]), constant("b", 4f)])]);
        return g.AddNode("Mul", n, [g.AddNode("Add", n + "_sum", [x, root]), constant("half", 0.5f)]);
    }

    /// <summary>
    /// z = TopK(x, n) descending, s = cumsum(z), r = 1…n; k = #(1 + r·z &gt; s); τ = (s_k − 1)/k; y = relu(x − τ).
    /// The row length comes from the input's shape at run time.
    /// </summary>
    private static string Sparsemax(OnnxGraphBuilder g, string x, string n)
    {
        string shape = g.AddNode("Shape", n + "_shape", [x]);
        string length = g.AddNode("Slice", n + "_length", [shape, g.AddInt64Initializer(n + "_length_start", -1), g.AddInt64Initializer(n + "_length_end", long.MaxValue)]);
        string sorted = g.AddNode("TopK", n + "_sort", [x, length], 2, Int("axis", -1), Int("largest", 1), Int("sorted", 1))[0];
        string axis = g.Squeeze(g.AddInt64Initializer(n + "_axis_1d", -1), n + "_axis", 0); // CumSum's axis is a scalar
        string one = g.AddInitializer(n + "_one", [1f]);
        string cumulative = g.AddNode("CumSum", n + "_cumsum", [sorted, axis]);
        string ranks = g.AddNode("CumSum", n + "_ranks", [g.AddNode("Expand", n + "_ones", [one, shape]), axis]);
        string inSupport = g.AddNode("Greater", n + "_in_support", [g.AddNode("Add", n + "_bound", [one, g.AddNode("Mul", n + "_rz", [ranks, sorted])]), cumulative]);
        string k = g.AddNode("ReduceSum", n + "_k", [g.Cast(inSupport, n + "_support_float", TensorProto.Types.DataType.Float),
            g.AddInt64Initializer(n + "_k_axes", -1)], Int("keepdims", 1));
        string last = g.Cast(g.AddNode("Sub", n + "_k_minus_1", [k, one]), n + "_last", TensorProto.Types.DataType.Int64);
        string sumK = g.AddNode("GatherElements", n + "_sum_k", [cumulative, last], Int("axis", -1));
        string tau = g.AddNode("Div", n + "_tau", [g.AddNode("Sub", n + "_sum_k_minus_1", [sumK, one]), k]);
        return g.AddNode("Relu", n, [g.AddNode("Sub", n + "_shifted", [x, tau])]);
    }
}
