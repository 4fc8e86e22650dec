using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for Conv1D and AveragePooling2D (channels-last in, transposed to ONNX's channels-first and back).</summary>
internal static class OnnxConvolutionRules
{
    /// <summary>Conv1D (batch, steps, cin) → Transpose to NCW, Conv with a (cout, cin, k) kernel, Transpose back.</summary>
    public static string Conv1D(OnnxGraphBuilder g, Conv1D layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (k, cin, cout) → ONNX (cout, cin, k)
        int k = kernel.Shape[0], cin = kernel.Shape[1], cout = kernel.Shape[2];
        var oik = new float[kernel.Size];
        var src = kernel.Span;
        for (int t = 0; t < k; t++)
            for (int i = 0; i < cin; i++)
                for (int o = 0; o < cout; o++)
                    oik[(o * cin + i) * k + t] = src[(t * cin + i) * cout + o];
        string ncw = g.AddNode("Transpose", layer.Name + "/to_ncw", [x], Ints("perm", 0, 2, 1));
        var inputs = new List<string> { ncw, g.AddInitializer(layer.Parameters[0].Path, oik, cout, cin, k) };
        if (layer.UseBias)
        {
            var bias = layer.Parameters[1].Value;
            inputs.Add(g.AddInitializer(layer.Parameters[1].Path, bias.Span, cout));
        }
        string nwc = Conv1DNode(g, layer.Name, inputs, inputShape[0], k, layer.Strides, layer.DilationRate, layer.Padding);
        return OnnxActivations.Emit(g, layer.Activation, nwc, layer.Name);
    }

    /// <summary>
    /// A 1-D Conv node over NCW <paramref name="inputs"/> (x, kernel, optional bias) with Keras's
    /// padding as explicit pads (causal: dilation·(k − 1) before, none after), transposed back to (batch, steps, cout); the float and the QDQ int8 Conv1D rules share it.
    /// </summary>
    internal static string Conv1DNode(OnnxGraphBuilder g, string name, List<string> inputs, int steps, int k, int strides, int dilation, Padding padding)
    {
        bool same = padding == Padding.Same;
        var (outLength, left) = Kernels.Cpu.Conv2DGeometry.OutputSize(steps, k, strides, dilation, same);
        long right = Math.Max(0, (outLength - 1) * strides + (k - 1) * dilation + 1 - steps - left);
        if (padding == Padding.Causal) (left, right) = ((k - 1) * dilation, 0);
        else if (!same) (left, right) = (0, 0);
        string y = g.AddNode("Conv", name, inputs,
            Ints("kernel_shape", k), Ints("strides", strides), Ints("dilations", dilation), Ints("pads", left, right));
        return g.AddNode("Transpose", name + "/to_nwc", [y], Ints("perm", 0, 2, 1));
    }

    /// <summary>Keras's average pooling leaves padding out of each mean: ONNX's count_include_pad = 0.</summary>
    public static string AveragePool(OnnxGraphBuilder g, AveragePooling2D layer, string x, Shape inputShape)
    {
        bool same = layer.Padding == Padding.Same;
        var geometry = Kernels.Cpu.Pool2DGeometry.Create(1, inputShape[0], inputShape[1], inputShape[2],
            layer.PoolSize.H, layer.PoolSize.W, layer.Strides.H, layer.Strides.W, same);
        long bottom = Math.Max(0, (geometry.OutH - 1) * layer.Strides.H + layer.PoolSize.H - inputShape[0] - geometry.PadTop);
        long right = Math.Max(0, (geometry.OutW - 1) * layer.Strides.W + layer.PoolSize.W - inputShape[1] - geometry.PadLeft);
        string y = g.AddNode("AveragePool", layer.Name, [OnnxLayerRules.ToChannelsFirst(g, x, layer.Name)],
            Ints("kernel_shape", layer.PoolSize.H, layer.PoolSize.W),
            Ints("strides", layer.Strides.H, layer.Strides.W),
            Ints("pads", same ? geometry.PadTop : 0, same ? geometry.PadLeft : 0, same ? bottom : 0, same ? right : 0),
            Int("count_include_pad", 0));
        return OnnxLayerRules.ToChannelsLast(g, y, layer.Name);
    }
}
