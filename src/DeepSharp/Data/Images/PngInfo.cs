namespace DeepSharp.Data.Images;

/// <summary>
/// What a PNG's header (IHDR) says: <see cref="Width"/> × <see cref="Height"/> pixels of
/// <see cref="Channels"/> 8-bit channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). Read with
/// <see cref="PngDecoder.ReadInfo(string)"/> before decoding, to refuse an image without inflating it.
/// </summary>
public readonly record struct PngInfo(int Width, int Height, int Channels)
{
    /// <summary>Bytes of decoded pixels, Width × Height × Channels.</summary>
    public long PixelBytes => (long)Width * Height * Channels;
}
