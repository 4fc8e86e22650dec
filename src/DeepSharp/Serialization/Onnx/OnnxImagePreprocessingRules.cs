using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the image preprocessing layers at inference: Resizing (Slice or Pad for the aspect ratio, Resize, or two
/// MatMuls for the filtered methods),
/// CenterCrop (Slice, or Slice and Resize for smaller images) and RandomCrop (its inference resize). RandomContrast
/// and RandomBrightness act only while training and are Identity nodes. Resize runs channels-first between two
/// Transposes with the output size computed from the input's shape (the batch is dynamic).
/// </summary>
internal static class OnnxImagePreprocessingRules
{
    public static string Resizing(OnnxGraphBuilder g, Resizing layer, string x, Shape inputShape)
    {
        if (layer.PadToAspectRatio)
        {
            var (rows, columns) = ImageCropBox.PaddingForAspectRatio(inputShape[0], inputShape[1], layer.Height, layer.Width);
            string padded = rows == 0 && columns == 0 ? x : g.AddNode("Pad", layer.Name + "/pad", [x,
                g.AddInt64Initializer(layer.Name + "/pads", 0, rows, columns, 0, 0, rows, columns, 0),
                g.AddInitializer(layer.Name + "/fill_value", [layer.FillValue])], Str("mode", "constant"));
            var paddedShape = new Shape(inputShape[0] + 2 * rows, inputShape[1] + 2 * columns, inputShape[2]);
            return ResizeOnly(g, layer, padded, paddedShape);
        }
        var (top, left, height, width) = layer.CropToAspectRatio
            ? ImageCropBox.ForAspectRatio(inputShape[0], inputShape[1], layer.Height, layer.Width)
            : (0, 0, inputShape[0], inputShape[1]);
        if (layer.Interpolation == Interpolation.Nearest || layer.Interpolation == Interpolation.Bilinear && !layer.Antialias)
            return CropAndResize(g, layer.Name, x, inputShape, (top, left, height, width), layer.Height, layer.Width, layer.Interpolation == Interpolation.Bilinear);
        string cropped = Crop(g, layer.Name, x, inputShape, (top, left, height, width), final: false);
        return FilteredResize(g, layer, cropped, height, width);
    }

    private static string ResizeOnly(OnnxGraphBuilder g, Resizing layer, string x, Shape shape) =>
        layer.Interpolation == Interpolation.Nearest || layer.Interpolation == Interpolation.Bilinear && !layer.Antialias
            ? CropAndResize(g, layer.Name, x, shape, (0, 0, shape[0], shape[1]), layer.Height, layer.Width, layer.Interpolation == Interpolation.Bilinear)
            : FilteredResize(g, layer, x, shape[0], shape[1]);

    /// <summary>
    /// The filtered methods (bicubic, area, Lanczos, Gaussian, Mitchell, antialiased bilinear), which ONNX's Resize does not
    /// compute as TensorFlow does, as what they are: y = H·x·Wᵀ per image and channel, two MatMuls with the dense per-axis
    /// weight matrices built from the same taps the kernel reads.
    /// </summary>
    private static string FilteredResize(OnnxGraphBuilder g, Resizing layer, string x, int inH, int inW) =>
        FilteredResize(g, layer.Name, x, layer.Interpolation, layer.Antialias, (inH, inW), (layer.Height, layer.Width));

    /// <summary>The filtered resize of x (NHWC) from <paramref name="input"/> to <paramref name="output"/> (Resizing's and UpSampling2D's).</summary>
    internal static string FilteredResize(OnnxGraphBuilder g, string name, string x, Interpolation interpolation, bool antialias,
        (int H, int W) input, (int H, int W) output)
    {
        var method = interpolation.ToResizeMethod();
        var rows = ResizeTaps.For(method, antialias, input.H, output.H);
        var columns = ResizeTaps.For(method, antialias, input.W, output.W);
        var h = new float[output.H * input.H];
        for (int o = 0; o < output.H; o++)
            for (int k = 0; k < rows.Width; k++) h[o * input.H + rows.Index[o * rows.Width + k]] += rows.Weight[o * rows.Width + k];
        var wT = new float[input.W * output.W];
        for (int o = 0; o < output.W; o++)
            for (int k = 0; k < columns.Width; k++) wT[columns.Index[o * columns.Width + k] * output.W + o] += columns.Weight[o * columns.Width + k];
        string nchw = OnnxLayerRules.ToChannelsFirst(g, x, name);
        string alongWidth = g.AddNode("MatMul", name + "/resize_width", [nchw, g.AddInitializer(name + "/width_weights", wT, input.W, output.W)]);
        string y = g.AddNode("MatMul", name + "/resize_height", [g.AddInitializer(name + "/height_weights", h, output.H, input.H), alongWidth]);
        return OnnxLayerRules.ToChannelsLast(g, y, name);
    }

    /// <summary>AutoContrast at inference: each channel stretched from its [min, max] to the value range, flat channels kept.</summary>
    public static string AutoContrast(OnnxGraphBuilder g, AutoContrast layer, string x)
    {
        string name = layer.Name;
        var (lower, upper) = layer.ValueRange;
        string low = g.AddNode("ReduceMin", name + "/min", [x], Ints("axes", 1, 2), Int("keepdims", 1));
        string high = g.AddNode("ReduceMax", name + "/max", [x], Ints("axes", 1, 2), Int("keepdims", 1));
        string flat = g.AddNode("LessOrEqual", name + "/flat", [high, low]);
        string span = g.AddNode("Where", name + "/span", [flat, g.AddInitializer(name + "/one", [1f]), g.AddNode("Sub", name + "/range", [high, low])]);
        string unit = g.AddNode("Div", name + "/unit", [g.AddNode("Sub", name + "/shift", [x, low]), span]);
        string stretched = g.AddNode("Add", name + "/stretched", [g.AddNode("Mul", name + "/scale", [unit, g.AddInitializer(name + "/width", [upper - lower])]),
            g.AddInitializer(name + "/lower", [lower])]);
        string clipped = g.AddNode("Clip", name + "/clip", [stretched, g.AddInitializer(name + "/low", [lower]), g.AddInitializer(name + "/high", [upper])]);
        return g.AddNode("Where", name, [flat, x, clipped]);
    }

    public static string CenterCrop(OnnxGraphBuilder g, CenterCrop layer, string x, Shape inputShape) =>
        layer.Crops(inputShape)
            ? Crop(g, layer.Name, x, inputShape, ((inputShape[0] - layer.Height) / 2, (inputShape[1] - layer.Width) / 2, layer.Height, layer.Width), final: true)
            : CropAndResize(g, layer.Name, x, inputShape, ImageCropBox.ForAspectRatio(inputShape[0], inputShape[1], layer.Height, layer.Width), layer.Height, layer.Width, bilinear: true);

    public static string RandomCrop(OnnxGraphBuilder g, RandomCrop layer, string x, Shape inputShape) =>
        CropAndResize(g, layer.Name, x, inputShape, ImageCropBox.ForAspectRatio(inputShape[0], inputShape[1], layer.Height, layer.Width), layer.Height, layer.Width, bilinear: true);

    private static string CropAndResize(OnnxGraphBuilder g, string name, string x, Shape inputShape, (int Top, int Left, int Height, int Width) box,
        int outH, int outW, bool bilinear)
    {
        string cropped = Crop(g, name, x, inputShape, box, final: false);
        if (box.Height == outH && box.Width == outW) return g.AddNode("Identity", name, [cropped]);
        string nchw = OnnxLayerRules.ToChannelsFirst(g, cropped, name);
        string shape = g.AddNode("Shape", name + "/shape", [nchw]);
        string batchAndChannels = g.AddNode("Slice", name + "/batch_channels", [shape, g.AddInt64Initializer(name + "/zero", 0), g.AddInt64Initializer(name + "/two", 2)]);
        string sizes = g.AddNode("Concat", name + "/sizes", [batchAndChannels, g.AddInt64Initializer(name + "/size", outH, outW)], Int("axis", 0));
        string y = bilinear
            ? g.AddNode("Resize", name + "/resize", [nchw, "", "", sizes], Str("mode", "linear"), Str("coordinate_transformation_mode", "half_pixel"))
            : g.AddNode("Resize", name + "/resize", [nchw, "", "", sizes], Str("mode", "nearest"), Str("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
                Str("nearest_mode", "floor"));
        return OnnxLayerRules.ToChannelsLast(g, y, name);
    }

    /// <summary>Slice of the height and width axes; nothing (or an Identity named for the layer when <paramref name="final"/>) when the window is the whole image.</summary>
    private static string Crop(OnnxGraphBuilder g, string name, string x, Shape inputShape, (int Top, int Left, int Height, int Width) box, bool final)
    {
        if (box.Height == inputShape[0] && box.Width == inputShape[1]) return final ? g.AddNode("Identity", name, [x]) : x;
        return g.AddNode("Slice", final ? name : name + "/crop", [x,
            g.AddInt64Initializer(name + "/starts", box.Top, box.Left),
            g.AddInt64Initializer(name + "/ends", box.Top + box.Height, box.Left + box.Width),
            g.AddInt64Initializer(name + "/axes", 1, 2)]);
    }
}
