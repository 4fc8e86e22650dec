using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Shape checks shared by the image preprocessing layers (Resizing, CenterCrop, RandomCrop, RandomContrast, RandomBrightness).</summary>
internal static class ImageLayerShapes
{
    /// <summary>(height, width, channels) for an image input, or a shape error naming the layer.</summary>
    public static Shape Resized(Layer layer, Shape inputShape, int height, int width)
    {
        RequireImages(layer, inputShape);
        return new Shape(height, width, inputShape[2]);
    }

    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels) with sides ≥ 1.</exception>
    public static void RequireImages(Layer layer, Shape inputShape)
    {
        if (inputShape.Rank != 3 || inputShape[0] < 1 || inputShape[1] < 1)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects images (batch, height, width, channels) with height and width ≥ 1, got {inputShape.ToBatchString()}.");
    }

    /// <exception cref="ShapeMismatchException">The input is not RGB images (height, width, 3).</exception>
    public static void RequireRgb(Layer layer, Shape inputShape)
    {
        RequireImages(layer, inputShape);
        if (inputShape[2] != 3)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects RGB images (batch, height, width, 3), got {inputShape.ToBatchString()}.");
    }
}
