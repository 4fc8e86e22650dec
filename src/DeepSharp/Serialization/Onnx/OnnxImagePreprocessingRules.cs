using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the image preprocessing layers at inference: Resizing (Slice for the aspect-ratio window, Resize),
/// CenterCrop (Slice, or Slice and Resize for smaller images) and RandomCrop (its inference resize). RandomContrast
/// and RandomBrightness act only while training and are Identity nodes. Resize runs channels-first between two
/// Transposes with the output size computed from the input's shape (the batch is dynamic).
/// </summary>
internal static class OnnxImagePreprocessingRules
{
    public static string Resizing(OnnxGraphBuilder g, Resizing layer, string x, Shape inputShape)
    {
        var (top, left, height, width) = layer.CropToAspectRatio
            ? ImageCropBox.ForAspectRatio(inputShape[0], inputShape[1], layer.Height, layer.Width)
            : (0, 0, inputShape[0], inputShape[1]);
        return CropAndResize(g, layer.Name, x, inputShape, (top, left, height, width), layer.Height, layer.Width, layer.Interpolation == Interpolation.Bilinear);
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
