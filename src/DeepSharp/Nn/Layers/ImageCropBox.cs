using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The image windows the resizing and cropping layers cut out of (or pad around) NHWC images, computed as Keras 3 computes them.
/// </summary>
internal static class ImageCropBox
{
    /// <summary>
    /// Keras's <c>crop_to_aspect_ratio</c>: the largest window centred in a (height, width) image with the aspect ratio of
    /// (targetHeight, targetWidth): crop height ⌊width·targetHeight/targetWidth⌋ and crop width ⌊height·targetWidth/targetHeight⌋,
    /// each clamped to [1, side], starting at ⌊(side − crop)/2⌋.
    /// </summary>
    public static (int Top, int Left, int Height, int Width) ForAspectRatio(int height, int width, int targetHeight, int targetWidth)
    {
        int cropHeight = Math.Max(Math.Min(height, (int)((double)width * targetHeight / targetWidth)), 1);
        int cropWidth = Math.Max(Math.Min(width, (int)((double)height * targetWidth / targetHeight)), 1);
        return ((height - cropHeight) / 2, (width - cropWidth) / 2, cropHeight, cropWidth);
    }

    /// <summary>The window (top, left, height, width) of every image in the batch (N, H, W, C).</summary>
    public static Tensor Crop(Tensor images, int top, int left, int height, int width)
    {
        var rows = height == images.Shape[1] ? images : Ops.Slice(images, 1, top, height);
        return width == images.Shape[2] ? rows : Ops.Slice(rows, 2, left, width);
    }

    /// <summary>
    /// Keras 3's <c>resize(..., crop_to_aspect_ratio=True)</c> (its <c>smart_resize</c>): the centred window with the
    /// target's aspect ratio, resized to (targetHeight, targetWidth).
    /// </summary>
    public static Tensor CropToAspectAndResize(Tensor images, int targetHeight, int targetWidth, bool bilinear)
    {
        var (top, left, height, width) = ForAspectRatio(images.Shape[1], images.Shape[2], targetHeight, targetWidth);
        return Ops.Resize(Crop(images, top, left, height, width), targetHeight, targetWidth, bilinear);
    }

    /// <summary>
    /// Keras's <c>pad_to_aspect_ratio</c>: the rows added above and below and the columns added left and right so that a
    /// (height, width) image reaches the aspect ratio of (targetHeight, targetWidth): with padded height
    /// max(height, ⌊float(width·targetHeight)/targetWidth⌋) and padded width likewise, ⌊(padded − side)/2⌋ on each side
    /// (Keras pads both sides by that half, so an odd difference leaves the result one short).
    /// </summary>
    public static (int Rows, int Columns) PaddingForAspectRatio(int height, int width, int targetHeight, int targetWidth)
    {
        int paddedHeight = Math.Max(height, (int)((float)((long)width * targetHeight) / targetWidth));
        int paddedWidth = Math.Max(width, (int)((float)((long)height * targetWidth) / targetHeight));
        return ((paddedHeight - height) / 2, (paddedWidth - width) / 2);
    }

    /// <summary>Images (N, H, W, C) with <paramref name="rows"/> rows of <paramref name="fillValue"/> above and below, then <paramref name="columns"/> columns left and right.</summary>
    public static Tensor Pad(Tensor images, int rows, int columns, float fillValue)
    {
        var padded = images;
        if (rows > 0)
        {
            var band = Fill(new Shape(images.Shape[0], rows, images.Shape[2], images.Shape[3]), fillValue);
            padded = Ops.Concatenate([band, padded, band], axis: 1);
        }
        if (columns > 0)
        {
            var band = Fill(new Shape(padded.Shape[0], padded.Shape[1], columns, padded.Shape[3]), fillValue);
            padded = Ops.Concatenate([band, padded, band], axis: 2);
        }
        return padded;
    }

    private static Tensor Fill(Shape shape, float value)
    {
        var band = Tensor.Temp(shape);
        band.Span.Fill(value);
        return band;
    }
}
