using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the 3-D layers: Conv3D (Conv with group), Conv3DTranspose (ConvTranspose), MaxPooling3D and AveragePooling3D (MaxPool,
/// AveragePool) channels-first between a pair of Transposes; the global poolings (ReduceMax, ReduceMean),
/// UpSampling3D (Resize), ZeroPadding3D (Pad) and Cropping3D (Slice) on the channels-last tensor itself.
/// </summary>
internal static class OnnxVolumeRules
{
    /// <summary>Conv over NCDHW with W (filters, cin/groups, kd, kh, kw), Keras's padding as explicit pads.</summary>
    public static string Conv3D(OnnxGraphBuilder g, Conv3D layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (kd, kh, kw, cin/groups, cout) → ONNX (cout, cin/groups, kd, kh, kw)
        int kd = kernel.Shape[0], kh = kernel.Shape[1], kw = kernel.Shape[2], cin = kernel.Shape[3], cout = kernel.Shape[4];
        var weights = new float[kernel.Size];
        var k = kernel.Span;
        for (int d = 0; d < kd; d++)
            for (int h = 0; h < kh; h++)
                for (int w = 0; w < kw; w++)
                    for (int i = 0; i < cin; i++)
                        for (int o = 0; o < cout; o++)
                            weights[(((o * cin + i) * kd + d) * kh + h) * kw + w] = k[(((d * kh + h) * kw + w) * cin + i) * cout + o];
        var inputs = new List<string> { ToChannelsFirst(g, x, layer.Name), g.AddInitializer(layer.Parameters[0].Path, weights, cout, cin, kd, kh, kw) };
        if (layer.UseBias)
        {
            var bias = layer.Parameters[1].Value;
            inputs.Add(g.AddInitializer(layer.Parameters[1].Path, bias.Span, cout));
        }
        var geometry = Conv3DGeometry.Create(1, (inputShape[0], inputShape[1], inputShape[2]), inputShape[3], cout, (kd, kh, kw),
            layer.Strides, layer.Padding == Padding.Same, layer.DilationRate, layer.Groups);
        string y = g.AddNode("Conv", layer.Name, inputs,
            Ints("kernel_shape", kd, kh, kw),
            Ints("strides", layer.Strides.D, layer.Strides.H, layer.Strides.W),
            Ints("dilations", layer.DilationRate.D, layer.DilationRate.H, layer.DilationRate.W),
            Int("group", layer.Groups),
            Pads(inputShape, (geometry.OutD, geometry.OutH, geometry.OutW), (geometry.PadFront, geometry.PadTop, geometry.PadLeft),
                (kd, kh, kw), layer.Strides, layer.DilationRate));
        return OnnxActivations.Emit(g, layer.Activation, ToChannelsLast(g, y, layer.Name), layer.Name);
    }

    /// <summary>ConvTranspose over NCDHW with W (cin, filters, kd, kh, kw); pads and output_padding chosen so the output has Keras's size.</summary>
    public static string Conv3DTranspose(OnnxGraphBuilder g, Conv3DTranspose layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (kd, kh, kw, filters, cin) → ONNX (cin, filters, kd, kh, kw)
        int kd = kernel.Shape[0], kh = kernel.Shape[1], kw = kernel.Shape[2], filters = kernel.Shape[3], cin = kernel.Shape[4];
        var weights = new float[kernel.Size];
        var k = kernel.Span;
        for (int d = 0; d < kd; d++)
            for (int h = 0; h < kh; h++)
                for (int w = 0; w < kw; w++)
                    for (int f = 0; f < filters; f++)
                        for (int c = 0; c < cin; c++)
                            weights[(((c * filters + f) * kd + d) * kh + h) * kw + w] = k[(((d * kh + h) * kw + w) * filters + f) * cin + c];
        var inputs = new List<string> { ToChannelsFirst(g, x, layer.Name), g.AddInitializer(layer.Parameters[0].Path, weights, cin, filters, kd, kh, kw) };
        if (layer.UseBias) inputs.Add(g.AddInitializer(layer.Parameters[1].Path, layer.Parameters[1].Value.Span, filters));
        var geometry = Conv3DTransposeGeometry.Create(1, (inputShape[0], inputShape[1], inputShape[2]), cin, filters, (kd, kh, kw),
            layer.Strides, layer.Padding == Padding.Same, layer.DilationRate, layer.OutputPadding);
        // ONNX: out = s·(in − 1) + output_padding + extent − pad_begin − pad_end; a negative end pad becomes output padding.
        long End(int axis, int k, int s, int dl, int pad, int output) => (long)s * (inputShape[axis] - 1) + Conv2DGeometry.EffectiveSize(k, dl) - pad - output;
        long endD = End(0, kd, layer.Strides.D, layer.DilationRate.D, geometry.PadFront, geometry.InD);
        long endH = End(1, kh, layer.Strides.H, layer.DilationRate.H, geometry.PadTop, geometry.InH);
        long endW = End(2, kw, layer.Strides.W, layer.DilationRate.W, geometry.PadLeft, geometry.InW);
        string y = g.AddNode("ConvTranspose", layer.Name, inputs,
            Ints("kernel_shape", kd, kh, kw),
            Ints("strides", layer.Strides.D, layer.Strides.H, layer.Strides.W),
            Ints("dilations", layer.DilationRate.D, layer.DilationRate.H, layer.DilationRate.W),
            Ints("pads", geometry.PadFront, geometry.PadTop, geometry.PadLeft, Math.Max(endD, 0), Math.Max(endH, 0), Math.Max(endW, 0)),
            Ints("output_padding", Math.Max(-endD, 0), Math.Max(-endH, 0), Math.Max(-endW, 0)));
        return OnnxActivations.Emit(g, layer.Activation, ToChannelsLast(g, y, layer.Name), layer.Name);
    }

    /// <summary>MaxPool or AveragePool over NCDHW; average pooling leaves padding out of each mean (count_include_pad = 0), as Keras.</summary>
    public static string Pool(OnnxGraphBuilder g, Pooling3D layer, string op, string x, Shape inputShape)
    {
        var geometry = Pool3DGeometry.Create(1, (inputShape[0], inputShape[1], inputShape[2]), inputShape[3], layer.PoolSize, layer.Strides,
            layer.Padding == Padding.Same);
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", layer.PoolSize.D, layer.PoolSize.H, layer.PoolSize.W),
            Ints("strides", layer.Strides.D, layer.Strides.H, layer.Strides.W),
            Pads(inputShape, (geometry.OutD, geometry.OutH, geometry.OutW), (geometry.PadFront, geometry.PadTop, geometry.PadLeft),
                layer.PoolSize, layer.Strides, (1, 1, 1)),
        };
        if (op == "AveragePool") attributes.Add(Int("count_include_pad", 0));
        string y = g.AddNode(op, layer.Name, [ToChannelsFirst(g, x, layer.Name)], [.. attributes]);
        return ToChannelsLast(g, y, layer.Name);
    }

    /// <summary>ReduceMax or ReduceMean over the depth, height and width axes of the NDHWC tensor.</summary>
    public static string GlobalPool(OnnxGraphBuilder g, GlobalPooling3D layer, string op, string x) =>
        g.AddNode(op, layer.Name, [x], Ints("axes", 1, 2, 3), Int("keepdims", layer.KeepDims ? 1 : 0));

    /// <summary>Resize nearest by the factors on the NDHWC tensor (floor of output/scale: Keras's repeat).</summary>
    public static string UpSampling3D(OnnxGraphBuilder g, UpSampling3D layer, string x)
    {
        string scales = g.AddInitializer(layer.Name + "/scales", [1f, layer.Size.D, layer.Size.H, layer.Size.W, 1f], 5);
        return g.AddNode("Resize", layer.Name, [x, "", scales], Str("mode", "nearest"), Str("coordinate_transformation_mode", "asymmetric"),
            Str("nearest_mode", "floor"));
    }

    /// <summary>Pad with zeros on the depth, height and width axes of the NDHWC tensor.</summary>
    public static string ZeroPadding3D(OnnxGraphBuilder g, ZeroPadding3D layer, string x) =>
        g.AddNode("Pad", layer.Name, [x, g.AddInt64Initializer(layer.Name + "/pads",
            0, layer.Depth.Front, layer.Rows.Top, layer.Columns.Left, 0, 0, layer.Depth.Back, layer.Rows.Bottom, layer.Columns.Right, 0)]);

    /// <summary>Slice the depth, height and width axes of the NDHWC tensor.</summary>
    public static string Cropping3D(OnnxGraphBuilder g, Cropping3D layer, string x, Shape inputShape) =>
        g.AddNode("Slice", layer.Name, [x,
            g.AddInt64Initializer(layer.Name + "/starts", layer.Depth.Front, layer.Rows.Top, layer.Columns.Left),
            g.AddInt64Initializer(layer.Name + "/ends", inputShape[0] - layer.Depth.Back, inputShape[1] - layer.Rows.Bottom, inputShape[2] - layer.Columns.Right),
            g.AddInt64Initializer(layer.Name + "/axes", 1, 2, 3)]);

    /// <summary>ONNX's pads [front, top, left, back, bottom, right]: the far side is whatever the window of the last output reaches past the input.</summary>
    private static AttributeProto Pads(Shape inputShape, (int D, int H, int W) output, (int D, int H, int W) before,
        (int D, int H, int W) window, (int D, int H, int W) strides, (int D, int H, int W) dilation)
    {
        long After(int axis, int outSize, int pad, int k, int s, int dl) =>
            Math.Max(0, (outSize - 1L) * s + Conv2DGeometry.EffectiveSize(k, dl) - inputShape[axis] - pad);
        return Ints("pads", before.D, before.H, before.W,
            After(0, output.D, before.D, window.D, strides.D, dilation.D),
            After(1, output.H, before.H, window.H, strides.H, dilation.H),
            After(2, output.W, before.W, window.W, strides.W, dilation.W));
    }

    private static string ToChannelsFirst(OnnxGraphBuilder g, string x, string layerName) =>
        g.AddNode("Transpose", layerName + "/to_ncdhw", [x], Ints("perm", 0, 4, 1, 2, 3));

    private static string ToChannelsLast(OnnxGraphBuilder g, string x, string layerName) =>
        g.AddNode("Transpose", layerName + "/to_ndhwc", [x], Ints("perm", 0, 2, 3, 4, 1));
}
