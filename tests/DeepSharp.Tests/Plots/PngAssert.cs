using DeepSharp.Data.Images;

namespace DeepSharp.Tests.Plots;

/// <summary>What a picture must be to count as drawn: a PNG of the size asked for, with something on it.</summary>
internal static class PngAssert
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Checks the signature, the size and that the picture is not blank; returns the decoded pixels.</summary>
    public static PngImage Drawn(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written.");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().StartsWith(Signature), $"{path} does not start with the PNG signature.");
        var image = PngDecoder.Decode(bytes, path);
        Assert.Equal((width, height), (image.Width, image.Height));
        // Not blank: a fair share of the pixels differ from the background (the top-left pixel), in several colours.
        var background = Pixel(image, 0, 0);
        int differing = 0;
        var colours = new HashSet<(byte, byte, byte)>();
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var p = Pixel(image, x, y);
                if (p != background) differing++;
                if (colours.Count < 64) colours.Add(p);
            }
        Assert.True(differing > image.Width * image.Height / 100, $"{path} is nearly blank: {differing} pixels differ from the background.");
        Assert.True(colours.Count >= 3, $"{path} has only {colours.Count} colours.");
        return image;
    }

    /// <summary>How many pixels are within <paramref name="tolerance"/> of the colour #RRGGBB in every channel.</summary>
    public static int Count(PngImage image, string hex, int tolerance = 12)
    {
        int r = Convert.ToInt32(hex[1..3], 16), g = Convert.ToInt32(hex[3..5], 16), b = Convert.ToInt32(hex[5..7], 16);
        int count = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var (pr, pg, pb) = Pixel(image, x, y);
                if (Math.Abs(pr - r) <= tolerance && Math.Abs(pg - g) <= tolerance && Math.Abs(pb - b) <= tolerance) count++;
            }
        return count;
    }

    private static (byte R, byte G, byte B) Pixel(PngImage image, int x, int y)
    {
        int i = (y * image.Width + x) * image.Channels;
        return image.Channels >= 3 ? (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]) : (image.Pixels[i], image.Pixels[i], image.Pixels[i]);
    }
}
