using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the convolution variants and resizing layers: Conv2DTranspose (ConvTranspose),
/// DepthwiseConv2D (Conv with group = channels), SeparableConv2D (grouped Conv, then a 1×1 Conv),
/// UpSampling2D (Resize), ZeroPadding2D (Pad) and Cropping2D (Slice), and their 1-D siblings. The convolutions and Resize run
/// channels-first between a pair of Transposes, as <see cref="OnnxLayerRules"/>' Conv2D does.
/// </summary>
internal static class OnnxConvolutionVariantRules
{
    /// <summary>ConvTranspose with W (Cin, filters, kh, kw); pads and output_padding chosen so the output has Keras's size (its output_padding included).</summary>
    public static string Conv2DTranspose(OnnxGraphBuilder g, Conv2DTranspose layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (kh, kw, filters, cin) → ONNX (cin, filters, kh, kw)
        int kh = kernel.Shape[0], kw = kernel.Shape[1], filters = kernel.Shape[2], cin = kernel.Shape[3];
        var weights = new float[kernel.Size];
        var k = kernel.Span;
        for (int h = 0; h < kh; h++)
            for (int w = 0; w < kw; w++)
                for (int f = 0; f < filters; f++)
                    for (int c = 0; c < cin; c++)
                        weights[((c * filters + f) * kh + h) * kw + w] = k[((h * kw + w) * filters + f) * cin + c];
        var inputs = new List<string> { OnnxLayerRules.ToChannelsFirst(g, x, layer.Name), g.AddInitializer(layer.Parameters[0].Path, weights, cin, filters, kh, kw) };
        if (layer.UseBias) inputs.Add(Bias(g, layer.Parameters[1]));
        var geometry = Ops.Conv2DTransposeGeometryOf(1, (inputShape[0], inputShape[1]), cin, filters, (kh, kw), layer.Strides,
            layer.Padding == Padding.Same, layer.DilationRate, layer.OutputPadding);
        // ONNX: out = s·(in − 1) + output_padding + eff − pad_begin − pad_end; a negative end pad becomes output padding.
        long endH = (long)layer.Strides.H * (inputShape[0] - 1) + Conv2DGeometry.EffectiveSize(kh, layer.DilationRate.H) - geometry.PadTop - geometry.InH;
        long endW = (long)layer.Strides.W * (inputShape[1] - 1) + Conv2DGeometry.EffectiveSize(kw, layer.DilationRate.W) - geometry.PadLeft - geometry.InW;
        string y = g.AddNode("ConvTranspose", layer.Name, inputs,
            Ints("kernel_shape", kh, kw),
            Ints("strides", layer.Strides.H, layer.Strides.W),
            Ints("dilations", layer.DilationRate.H, layer.DilationRate.W),
            Ints("pads", geometry.PadTop, geometry.PadLeft, Math.Max(endH, 0), Math.Max(endW, 0)),
            Ints("output_padding", Math.Max(-endH, 0), Math.Max(-endW, 0)));
        return OnnxActivations.Emit(g, layer.Activation, OnnxLayerRules.ToChannelsLast(g, y, layer.Name), layer.Name);
    }

    /// <summary>Conv with group = channels and W (C·M, 1, kh, kw).</summary>
    public static string DepthwiseConv2D(OnnxGraphBuilder g, DepthwiseConv2D layer, string x, Shape inputShape)
    {
        string nchw = OnnxLayerRules.ToChannelsFirst(g, x, layer.Name);
        string y = Depthwise(g, layer.Name, layer.Parameters[0].Path, layer.Parameters[0].Value, layer.UseBias ? layer.Parameters[1] : null, nchw, inputShape,
            layer.Strides, layer.DilationRate, layer.Padding);
        return OnnxActivations.Emit(g, layer.Activation, OnnxLayerRules.ToChannelsLast(g, y, layer.Name), layer.Name);
    }

    /// <summary>The grouped depthwise Conv, then a 1×1 Conv with W (filters, C·M, 1, 1) and the bias.</summary>
    public static string SeparableConv2D(OnnxGraphBuilder g, SeparableConv2D layer, string x, Shape inputShape)
    {
        string nchw = OnnxLayerRules.ToChannelsFirst(g, x, layer.Name);
        string h = Depthwise(g, layer.Name + "/depthwise", layer.Parameters[0].Path, layer.Parameters[0].Value, null, nchw, inputShape,
            layer.Strides, layer.DilationRate, layer.Padding);
        return Pointwise(g, layer.Name, h, layer.Parameters[1], layer.UseBias ? layer.Parameters[2] : null, layer.Activation);
    }

    /// <summary>DepthwiseConv1D as DepthwiseConv2D's grouped Conv on a height-1 image: Unsqueeze, Transposes, Conv, Squeeze.</summary>
    public static string DepthwiseConv1D(OnnxGraphBuilder g, DepthwiseConv1D layer, string x, Shape inputShape)
    {
        var (nchw, image) = Image1D(g, layer.Name, x, inputShape);
        var kernel = layer.Parameters[0].Value;
        string y = Depthwise(g, layer.Name, layer.Parameters[0].Path, kernel.View(1, kernel.Shape[0], kernel.Shape[1], kernel.Shape[2]),
            layer.UseBias ? layer.Parameters[1] : null, nchw, image, (1, layer.Strides), (1, layer.DilationRate), layer.Padding);
        string steps = g.Squeeze(OnnxLayerRules.ToChannelsLast(g, y, layer.Name), layer.Name + "/steps", 1);
        return OnnxActivations.Emit(g, layer.Activation, steps, layer.Name);
    }

    /// <summary>SeparableConv1D: the height-1 grouped depthwise Conv, then SeparableConv2D's 1×1 Conv, Squeeze.</summary>
    public static string SeparableConv1D(OnnxGraphBuilder g, SeparableConv1D layer, string x, Shape inputShape)
    {
        var (nchw, image) = Image1D(g, layer.Name, x, inputShape);
        var kernel = layer.Parameters[0].Value;
        string h = Depthwise(g, layer.Name + "/depthwise", layer.Parameters[0].Path, kernel.View(1, kernel.Shape[0], kernel.Shape[1], kernel.Shape[2]), null,
            nchw, image, (1, layer.Strides), (1, layer.DilationRate), layer.Padding);
        string y = Pointwise(g, layer.Name + "/image", h, layer.Parameters[1], layer.UseBias ? layer.Parameters[2] : null, Activation.Linear);
        return OnnxActivations.Emit(g, layer.Activation, g.Squeeze(y, layer.Name + "/steps", 1), layer.Name);
    }

    /// <summary>(batch, steps, C) as an NCHW image (batch, C, 1, steps), and its per-sample NHWC shape (1, steps, C).</summary>
    private static (string Nchw, Shape Image) Image1D(OnnxGraphBuilder g, string name, string x, Shape inputShape) =>
        (OnnxLayerRules.ToChannelsFirst(g, g.Unsqueeze(x, name + "/as_image", 1), name), new Shape(1, inputShape[0], inputShape[1]));

    /// <summary>A 1×1 Conv with W (filters, C·M, 1, 1) from a pointwise kernel (…, C·M, filters), the bias, back to channels-last, the activation.</summary>
    private static string Pointwise(OnnxGraphBuilder g, string name, string h, Parameter pointwiseParameter, Parameter? biasParameter, Activation activation)
    {
        var pointwise = pointwiseParameter.Value; // (1, 1, C·M, filters) or (1, C·M, filters) → ONNX (filters, C·M, 1, 1)
        int channels = pointwise.Shape[-2], filters = pointwise.Shape[-1];
        var weights = new float[pointwise.Size];
        var p = pointwise.Span;
        for (int j = 0; j < channels; j++)
            for (int f = 0; f < filters; f++)
                weights[f * channels + j] = p[j * filters + f];
        var inputs = new List<string> { h, g.AddInitializer(pointwiseParameter.Path, weights, filters, channels, 1, 1) };
        if (biasParameter is not null) inputs.Add(Bias(g, biasParameter));
        string y = g.AddNode("Conv", name + "/pointwise", inputs, Ints("kernel_shape", 1, 1));
        return OnnxActivations.Emit(g, activation, OnnxLayerRules.ToChannelsLast(g, y, name), name);
    }

    /// <summary>Resize by the factors: nearest with floor of output/scale (Keras's repeat), linear with half-pixel centres, or bicubic and Lanczos as Resizing's MatMuls.</summary>
    public static string UpSampling2D(OnnxGraphBuilder g, UpSampling2D layer, string x, Shape inputShape)
    {
        if (layer.Interpolation is not (Interpolation.Nearest or Interpolation.Bilinear)) // bicubic and Lanczos: Resizing's two MatMuls
            return OnnxImagePreprocessingRules.FilteredResize(g, layer.Name, x, layer.Interpolation, antialias: false,
                (inputShape[0], inputShape[1]), (inputShape[0] * layer.Size.H, inputShape[1] * layer.Size.W));
        string nchw = OnnxLayerRules.ToChannelsFirst(g, x, layer.Name);
        string scales = g.AddInitializer(layer.Name + "/scales", [1f, 1f, layer.Size.H, layer.Size.W], 4);
        string y = layer.Interpolation == Interpolation.Bilinear
            ? g.AddNode("Resize", layer.Name, [nchw, "", scales], Str("mode", "linear"), Str("coordinate_transformation_mode", "half_pixel"))
            : g.AddNode("Resize", layer.Name, [nchw, "", scales], Str("mode", "nearest"), Str("coordinate_transformation_mode", "asymmetric"),
                Str("nearest_mode", "floor"));
        return OnnxLayerRules.ToChannelsLast(g, y, layer.Name);
    }

    /// <summary>Pad with zeros on the height and width axes of the NHWC tensor.</summary>
    public static string ZeroPadding2D(OnnxGraphBuilder g, ZeroPadding2D layer, string x) =>
        g.AddNode("Pad", layer.Name, [x, g.AddInt64Initializer(layer.Name + "/pads",
            0, layer.Rows.Top, layer.Columns.Left, 0, 0, layer.Rows.Bottom, layer.Columns.Right, 0)]);

    /// <summary>Slice the height and width axes of the NHWC tensor.</summary>
    public static string Cropping2D(OnnxGraphBuilder g, Cropping2D layer, string x, Shape inputShape) =>
        g.AddNode("Slice", layer.Name, [x,
            g.AddInt64Initializer(layer.Name + "/starts", layer.Rows.Top, layer.Columns.Left),
            g.AddInt64Initializer(layer.Name + "/ends", inputShape[0] - layer.Rows.Bottom, inputShape[1] - layer.Columns.Right),
            g.AddInt64Initializer(layer.Name + "/axes", 1, 2)]);

    /// <summary>ConvTranspose over (N, C, steps) with W (Cin, filters, k), between Transposes from and to channels-last.</summary>
    public static string Conv1DTranspose(OnnxGraphBuilder g, Conv1DTranspose layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (k, filters, cin) → ONNX (cin, filters, k)
        int k = kernel.Shape[0], filters = kernel.Shape[1], cin = kernel.Shape[2];
        var weights = new float[kernel.Size];
        var src = kernel.Span;
        for (int t = 0; t < k; t++)
            for (int f = 0; f < filters; f++)
                for (int c = 0; c < cin; c++)
                    weights[(c * filters + f) * k + t] = src[(t * filters + f) * cin + c];
        string ncw = g.AddNode("Transpose", layer.Name + "/to_ncw", [x], Ints("perm", 0, 2, 1));
        var inputs = new List<string> { ncw, g.AddInitializer(layer.Parameters[0].Path, weights, cin, filters, k) };
        if (layer.UseBias) inputs.Add(Bias(g, layer.Parameters[1]));
        var geometry = Ops.Conv2DTransposeGeometryOf(1, (1, inputShape[0]), cin, filters, (1, k), (1, layer.Strides),
            layer.Padding == Padding.Same, (1, layer.DilationRate), layer.ImageOutputPadding);
        long end = (long)layer.Strides * (inputShape[0] - 1) + Conv2DGeometry.EffectiveSize(k, layer.DilationRate) - geometry.PadLeft - geometry.InW;
        string y = g.AddNode("ConvTranspose", layer.Name, inputs,
            Ints("kernel_shape", k), Ints("strides", layer.Strides), Ints("dilations", layer.DilationRate),
            Ints("pads", geometry.PadLeft, Math.Max(end, 0)), Ints("output_padding", Math.Max(-end, 0)));
        string nwc = g.AddNode("Transpose", layer.Name + "/to_nwc", [y], Ints("perm", 0, 2, 1));
        return OnnxActivations.Emit(g, layer.Activation, nwc, layer.Name);
    }

    /// <summary>Resize nearest along the steps axis of (N, steps, features), as UpSampling2D's nearest mode.</summary>
    public static string UpSampling1D(OnnxGraphBuilder g, UpSampling1D layer, string x)
    {
        string scales = g.AddInitializer(layer.Name + "/scales", [1f, layer.Size, 1f], 3);
        return g.AddNode("Resize", layer.Name, [x, "", scales], Str("mode", "nearest"), Str("coordinate_transformation_mode", "asymmetric"),
            Str("nearest_mode", "floor"));
    }

    /// <summary>Pad with zeros on the steps axis.</summary>
    public static string ZeroPadding1D(OnnxGraphBuilder g, ZeroPadding1D layer, string x) =>
        g.AddNode("Pad", layer.Name, [x, g.AddInt64Initializer(layer.Name + "/pads", 0, layer.Padding.Start, 0, 0, layer.Padding.End, 0)]);

    /// <summary>Slice the steps axis.</summary>
    public static string Cropping1D(OnnxGraphBuilder g, Cropping1D layer, string x, Shape inputShape) =>
        g.AddNode("Slice", layer.Name, [x,
            g.AddInt64Initializer(layer.Name + "/starts", layer.Cropping.Start),
            g.AddInt64Initializer(layer.Name + "/ends", inputShape[0] - layer.Cropping.End),
            g.AddInt64Initializer(layer.Name + "/axes", 1)]);

    private static string Depthwise(OnnxGraphBuilder g, string name, string kernelPath, Tensor kernel, Parameter? biasParameter, string nchw,
        Shape inputShape, (int H, int W) strides, (int H, int W) dilation, Padding padding)
    {
        // kernel (kh, kw, C, M) → ONNX (C·M, 1, kh, kw)
        int kh = kernel.Shape[0], kw = kernel.Shape[1], outC = kernel.Shape[2] * kernel.Shape[3];
        var weights = new float[kernel.Size];
        var k = kernel.Span;
        for (int h = 0; h < kh; h++)
            for (int w = 0; w < kw; w++)
                for (int o = 0; o < outC; o++)
                    weights[(o * kh + h) * kw + w] = k[(h * kw + w) * outC + o];
        var inputs = new List<string> { nchw, g.AddInitializer(kernelPath, weights, outC, 1, kh, kw) };
        if (biasParameter is not null) inputs.Add(Bias(g, biasParameter));
        bool same = padding == Padding.Same;
        var (top, bottom) = Pads(inputShape[0], kh, strides.H, dilation.H, same);
        var (left, right) = Pads(inputShape[1], kw, strides.W, dilation.W, same);
        return g.AddNode("Conv", name, inputs,
            Ints("kernel_shape", kh, kw), Ints("strides", strides.H, strides.W), Ints("dilations", dilation.H, dilation.W),
            Ints("pads", top, left, bottom, right), Int("group", kernel.Shape[2]));
    }

    /// <summary>Keras's padding along one axis (0 for "valid"), as ONNX's begin and end pads.</summary>
    private static (long Begin, long End) Pads(int input, int kernel, int stride, int dilation, bool same)
    {
        if (!same) return (0, 0);
        var (output, before) = Conv2DGeometry.OutputSize(input, kernel, stride, dilation, true);
        return (before, Math.Max(0, (output - 1L) * stride + Conv2DGeometry.EffectiveSize(kernel, dilation) - input - before));
    }

    private static string Bias(OnnxGraphBuilder g, Parameter bias) => g.AddInitializer(bias.Path, bias.Value.Span, bias.Value.Shape[0]);
}
