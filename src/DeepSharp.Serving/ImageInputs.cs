using System.Buffers.Binary;
using DeepSharp.Data.Images;
using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>
/// PNG request bodies (raw <c>image/png</c> or the files of a multipart form) as model inputs: the
/// header is read and its declared size held to the model's input size before anything is inflated
/// (so a decompression bomb is refused from its first 33 bytes), then the image is decoded with
/// DeepSharp's own <see cref="PngDecoder"/> into floats in [0, 1] — gray by luminance for a
/// one-channel model, RGB for a three-channel one.
/// </summary>
internal static class ImageInputs
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes <paramref name="png"/> into <paramref name="target"/> (one input); <paramref name="name"/> names it in errors.</summary>
    public static void Decode(ReadOnlySpan<byte> png, ServedModel model, Span<float> target, string name)
    {
        if (model.ImageChannels == 0)
            throw new BadRequestException(415, $"this model takes inputs of shape {JsonInputs.Describe(model.InputShape)}, not images; send JSON {{\"inputs\": [...]}}");
        Decode(png, model.InputShape, target, name);
    }

    /// <summary>Decodes <paramref name="png"/> into <paramref name="target"/>, one input of <paramref name="shape"/> (height, width, 1 or 3 channels).</summary>
    public static void Decode(ReadOnlySpan<byte> png, Shape shape, Span<float> target, string name)
    {
        int channels = shape[2];
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature))
            throw new BadRequestException(400, $"{name} is not a PNG image (it does not start with the PNG signature)");
        int height = shape[0], width = shape[1];
        // The size the header declares, read from its fixed place (IHDR is the first chunk) before anything
        // else: an image of another size — a decompression bomb's billions of pixels among them — stops here.
        if (png.Length >= 24 && png[12..16].SequenceEqual("IHDR"u8))
        {
            uint declaredWidth = BinaryPrimitives.ReadUInt32BigEndian(png[16..]), declaredHeight = BinaryPrimitives.ReadUInt32BigEndian(png[20..]);
            if (declaredWidth != width || declaredHeight != height)
                throw new BadRequestException(400, $"{name} is {declaredWidth}×{declaredHeight} pixels (declared in its header); the model takes {width}×{height} images");
        }
        PngInfo info;
        try
        {
            info = PngDecoder.ReadInfo(png, name);
        }
        catch (DeepSharpException e)
        {
            throw new BadRequestException(400, OneLine(e.Message));
        }
        if (info.Width != width || info.Height != height)
            throw new BadRequestException(400, $"{name} is {info.Width}×{info.Height} pixels (declared in its header); the model takes {width}×{height} images");
        PngImage image;
        try
        {
            image = PngDecoder.Decode(png, name);
        }
        catch (DeepSharpException e)
        {
            throw new BadRequestException(400, OneLine(e.Message));
        }
        if (channels == 1)
        {
            var gray = image.ToGrayscale();
            for (int i = 0; i < gray.Length; i++) target[i] = gray[i] / 255f;
            return;
        }
        int pixels = width * height;
        for (int i = 0; i < pixels; i++)
            for (int c = 0; c < 3; c++)
                target[i * 3 + c] = image.Pixels[i * image.Channels + (image.Channels < 3 ? 0 : c)] / 255f;
    }

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
