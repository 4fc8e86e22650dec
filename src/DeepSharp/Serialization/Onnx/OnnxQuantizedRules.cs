using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the int8 layers, in the QDQ form ONNX Runtime's quantizer writes: the input goes
/// through QuantizeLinear and DequantizeLinear with its u8 scale and zero point, the int8 kernel
/// through a per-axis DequantizeLinear (the output channel's axis, zero points 0), then the float
/// MatMul or Conv, bias and activation. A runtime may fuse these into integer kernels
/// (QLinearMatMul, QLinearConv); the values are those of <c>Predict</c> within one quantization step.
/// </summary>
internal static class OnnxQuantizedRules
{
    public static string Dense(OnnxGraphBuilder g, QuantizedDense layer, string x)
    {
        string input = QuantizedInput(g, layer, x);
        var kernel = Weight(layer, "kernel");
        int k = kernel.Shape[0], n = kernel.Shape[1];
        string w = DequantizedKernel(g, layer, SignedBytes(kernel.Span), n, axis: 1, k, n);
        string y = g.AddNode("MatMul", layer.Name + "/matmul", [input, w]);
        if (layer.UseBias)
            y = g.AddNode("Add", layer.Name + "/bias_add", [y, g.AddInitializer(layer.Name + "/bias", Weight(layer, "bias").Span, n)]);
        return OnnxActivations.Emit(g, layer.Activation, y, layer.Name);
    }

    public static string Conv2D(OnnxGraphBuilder g, QuantizedConv2D layer, string x, Shape inputShape)
    {
        string input = QuantizedInput(g, layer, x);
        var kernel = Weight(layer, "kernel"); // (kh, kw, cin, cout) → ONNX (cout, cin, kh, kw)
        int kh = kernel.Shape[0], kw = kernel.Shape[1], cin = kernel.Shape[2], cout = kernel.Shape[3];
        var oihw = new byte[kernel.Size];
        var src = kernel.Span;
        for (int h = 0; h < kh; h++)
            for (int w = 0; w < kw; w++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++)
                        oihw[((o * cin + i) * kh + h) * kw + w] = unchecked((byte)(sbyte)src[((h * kw + w) * cin + i) * cout + o]);
        var inputs = new List<string>
        {
            OnnxLayerRules.ToChannelsFirst(g, input, layer.Name),
            DequantizedKernel(g, layer, oihw, cout, axis: 0, cout, cin, kh, kw),
        };
        if (layer.UseBias) inputs.Add(g.AddInitializer(layer.Name + "/bias", Weight(layer, "bias").Span, cout));
        string y = OnnxLayerRules.ConvNode(g, layer.Name, inputs, inputShape, (kh, kw), layer.Strides, layer.DilationRate, layer.Padding);
        return OnnxActivations.Emit(g, layer.Activation, OnnxLayerRules.ToChannelsLast(g, y, layer.Name), layer.Name);
    }

    /// <summary>As the float Conv1D rule: (batch, steps, cin) transposed to NCW, a 1-D Conv with the dequantized (cout, cin, k) kernel, transposed back.</summary>
    public static string Conv1D(OnnxGraphBuilder g, QuantizedConv1D layer, string x, Shape inputShape)
    {
        string input = QuantizedInput(g, layer, x);
        var kernel = Weight(layer, "kernel"); // (k, cin, cout) → ONNX (cout, cin, k)
        int k = kernel.Shape[0], cin = kernel.Shape[1], cout = kernel.Shape[2];
        var oik = new byte[kernel.Size];
        var src = kernel.Span;
        for (int t = 0; t < k; t++)
            for (int i = 0; i < cin; i++)
                for (int o = 0; o < cout; o++)
                    oik[(o * cin + i) * k + t] = unchecked((byte)(sbyte)src[(t * cin + i) * cout + o]);
        var inputs = new List<string>
        {
            g.AddNode("Transpose", layer.Name + "/to_ncw", [input], Ints("perm", 0, 2, 1)),
            DequantizedKernel(g, layer, oik, cout, axis: 0, cout, cin, k),
        };
        if (layer.UseBias) inputs.Add(g.AddInitializer(layer.Name + "/bias", Weight(layer, "bias").Span, cout));
        string nwc = OnnxConvolutionRules.Conv1DNode(g, layer.Name, inputs, inputShape[0], k, layer.Strides, layer.DilationRate, layer.Padding);
        return OnnxActivations.Emit(g, layer.Activation, nwc, layer.Name);
    }

    /// <summary>
    /// The int8 Add as QDQ around a float Add (ONNX Runtime fuses it to QLinearAdd): each input through
    /// QuantizeLinear/DequantizeLinear on its grid, the sum (and the fused ReLU) through the output's.
    /// </summary>
    public static string Add(OnnxGraphBuilder g, QuantizedAdd layer, IReadOnlyList<string> xs)
    {
        string a = Qdq(g, layer.Name + "/input_0", xs[0], layer.InputScale(0), layer.InputZeroPoint(0));
        string b = Qdq(g, layer.Name + "/input_1", xs[1], layer.InputScale(1), layer.InputZeroPoint(1));
        string y = g.AddNode("Add", layer.Name + "/add", [a, b]);
        if (layer.Activation == Activation.Relu) y = g.AddNode("Relu", layer.Name + "/relu", [y]);
        return Qdq(g, layer.Name + "/output", y, layer.OutputScale, layer.OutputZeroPoint);
    }

    /// <summary>The int8 Concatenate: each input through QuantizeLinear/DequantizeLinear on the output's grid, then Concat (exact on that grid).</summary>
    public static string Concatenate(OnnxGraphBuilder g, QuantizedConcatenate layer, IReadOnlyList<string> xs)
    {
        var parts = xs.Select((x, i) => Qdq(g, $"{layer.Name}/input_{i}", x, layer.OutputScale, layer.OutputZeroPoint)).ToList();
        return g.AddNode("Concat", layer.Name, parts, Int("axis", layer.Axis));
    }

    private static string Qdq(OnnxGraphBuilder g, string stem, string x, float scale, int zeroPoint)
    {
        string s = g.AddInitializer(stem + "_scale", [scale]);
        string z = g.AddByteInitializer(stem + "_zero_point", [(byte)zeroPoint], signed: false);
        string q = g.AddNode("QuantizeLinear", stem + "/quantize", [x, s, z]);
        return g.AddNode("DequantizeLinear", stem + "/dequantize", [q, s, z]);
    }

    /// <summary>x → QuantizeLinear → DequantizeLinear with the layer's scalar u8 scale and zero point.</summary>
    private static string QuantizedInput(OnnxGraphBuilder g, Layer layer, string x)
    {
        string scale = g.AddInitializer(layer.Name + "/input_scale", Weight(layer, "input_scale").Span);
        string zeroPoint = g.AddByteInitializer(layer.Name + "/input_zero_point", [(byte)Weight(layer, "input_zero_point").Span[0]], signed: false);
        string q = g.AddNode("QuantizeLinear", layer.Name + "/quantize_input", [x, scale, zeroPoint]);
        return g.AddNode("DequantizeLinear", layer.Name + "/dequantize_input", [q, scale, zeroPoint]);
    }

    /// <summary>The int8 kernel, dequantized per output channel along <paramref name="axis"/>.</summary>
    private static string DequantizedKernel(OnnxGraphBuilder g, Layer layer, byte[] values, int channels, int axis, params long[] dims)
    {
        string kernel = g.AddByteInitializer(layer.Name + "/kernel", values, signed: true, dims);
        string scales = g.AddInitializer(layer.Name + "/kernel_scale", Weight(layer, "kernel_scale").Span, channels);
        string zeroPoints = g.AddByteInitializer(layer.Name + "/kernel_zero_point", new byte[channels], signed: true, channels);
        return g.AddNode("DequantizeLinear", layer.Name + "/dequantize_kernel", [kernel, scales, zeroPoints], Int("axis", axis));
    }

    private static Tensor Weight(Layer layer, string name) => layer.Parameters.First(p => p.Name == name).Value;

    private static byte[] SignedBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = unchecked((byte)(sbyte)values[i]);
        return bytes;
    }
}
