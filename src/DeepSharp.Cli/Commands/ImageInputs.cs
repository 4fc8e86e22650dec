using DeepSharp.Data.Datasets;
using DeepSharp.Data.Images;
using DeepSharp.Tensors;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// Images for <c>predict</c>: a PNG file, an idx3-ubyte file (or .gz), or a folder of PNG files,
/// as a float batch (N, H, W, C) in [0, 1] with one label per image for the output.
/// </summary>
internal static class ImageInputs
{
    /// <summary>Loads the images and checks them against the model's per-sample input shape (H, W, 1 or 3).</summary>
    public static (string[] Names, Tensor Images) Load(string path, Shape inputShape)
    {
        if (inputShape.Rank != 3 || (inputShape[2] != 1 && inputShape[2] != 3))
            throw new DeepSharpException($"predict reads images; this model takes inputs {inputShape.ToBatchString()}, not (None, height, width, 1 or 3).");
        int height = inputShape[0], width = inputShape[1], channels = inputShape[2];

        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.png").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new DeepSharpException($"Folder '{path}' holds no .png files.");
            var data = new float[files.Length * height * width * channels];
            for (int i = 0; i < files.Length; i++)
                FromPng(PngDecoder.Decode(files[i]), files[i], height, width, channels).CopyTo(data, i * height * width * channels);
            return (files.Select(f => Path.GetFileName(f)).ToArray(), Tensor.FromArray(data, files.Length, height, width, channels));
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file or folder '{path}' does not exist.");
        if (IsPng(path))
            return ([Path.GetFileName(path)], Tensor.FromArray(FromPng(PngDecoder.Decode(path), path, height, width, channels), 1, height, width, channels));

        var idx = IdxReader.ReadImages(path);
        if (idx.Rows != height || idx.Cols != width)
            throw new DeepSharpException($"idx file '{path}' holds {idx.Rows}×{idx.Cols} images; the model takes {height}×{width} (resize them first).");
        if (channels != 1) throw new DeepSharpException($"idx file '{path}' holds gray images; the model takes {channels} channels.");
        var pixels = new float[idx.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = idx.Pixels[i] / 255f;
        var names = Enumerable.Range(0, idx.Count).Select(i => $"{Path.GetFileName(path)}[{i}]").ToArray();
        return (names, Tensor.FromArray(pixels, idx.Count, height, width, 1));
    }

    private static float[] FromPng(PngImage image, string path, int height, int width, int channels)
    {
        if (image.Height != height || image.Width != width)
            throw new DeepSharpException($"PNG file '{path}' is {image.Width}×{image.Height}; the model takes {width}×{height} images (resize it first).");
        var result = new float[height * width * channels];
        if (channels == 1)
        {
            var gray = image.ToGrayscale();
            for (int i = 0; i < gray.Length; i++) result[i] = gray[i] / 255f;
        }
        else
        {
            for (int i = 0; i < height * width; i++)
                for (int c = 0; c < 3; c++)
                    result[i * 3 + c] = image.Pixels[i * image.Channels + (image.Channels < 3 ? 0 : c)] / 255f;
        }
        return result;
    }

    private static bool IsPng(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[8];
        int read = file.ReadAtLeast(start, 8, throwOnEndOfStream: false);
        return read == 8 && start.SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    }
}
