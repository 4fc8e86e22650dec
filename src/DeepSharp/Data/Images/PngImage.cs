namespace DeepSharp.Data.Images;

/// <summary>
/// A decoded 8-bit image: <see cref="Height"/> rows of <see cref="Width"/> pixels of
/// <see cref="Channels"/> bytes (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), row-major.
/// </summary>
public sealed record PngImage(int Width, int Height, int Channels, byte[] Pixels)
{
    /// <summary>
    /// One byte per pixel: gray as is; RGB as luminance 0.299 R + 0.587 G + 0.114 B (ITU-R 601,
    /// rounded); alpha is ignored.
    /// </summary>
    public byte[] ToGrayscale()
    {
        var gray = new byte[Width * Height];
        for (int i = 0; i < gray.Length; i++)
        {
            int p = i * Channels;
            gray[i] = Channels < 3
                ? Pixels[p]
                : (byte)((299 * Pixels[p] + 587 * Pixels[p + 1] + 114 * Pixels[p + 2] + 500) / 1000);
        }
        return gray;
    }
}
