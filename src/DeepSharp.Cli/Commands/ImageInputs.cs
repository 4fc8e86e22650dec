using DeepSharp.Data.Datasets;
using DeepSharp.Data.Images;
using DeepSharp.Tensors;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// Images for <c>predict</c>: a PNG file, an idx3-ubyte file (or .gz), or a folder of PNG files, as
/// float batches (N, H, W, C) in [0, 1] with a name per image for the output. Sizes are checked before
/// anything large is allocated: the model's input against <see cref="MaxInputElements"/>, each PNG's
/// header and each idx header against the model's input size before its pixels are read; and the
/// images come in batches of at most <see cref="BatchBytes"/> of floats, so memory stays a small
/// multiple of one input, whatever the number of files.
/// </summary>
internal static class ImageInputs
{
    /// <summary>The largest per-image input predict accepts: 2^24 values (e.g. 4096×4096×1 or 2048×2048×3; 64 MB of floats).</summary>
    public const long MaxInputElements = 1L << 24;

    /// <summary>Floats per batch: at most 64 MB (but always at least one image), and at most <see cref="MaxBatch"/> images.</summary>
    public const long BatchBytes = 64L << 20;

    public const int MaxBatch = 256;

    /// <summary>Images per batch for a per-image input of <paramref name="elements"/> floats.</summary>
    public static int BatchSize(long elements) => (int)Math.Clamp(BatchBytes / (4 * elements), 1, MaxBatch);

    /// <summary>Checks the model's per-sample input shape (H, W, 1 or 3) and returns it.</summary>
    public static (int Height, int Width, int Channels) CheckInput(Shape inputShape)
    {
        if (inputShape.Rank != 3 || (inputShape[2] != 1 && inputShape[2] != 3))
            throw new DeepSharpException($"predict reads images; this model takes inputs {inputShape.ToBatchString()}, not (None, height, width, 1 or 3).");
        int height = inputShape[0], width = inputShape[1], channels = inputShape[2];
        long elements = (long)height * width * channels;
        if (height > PngDecoder.MaxDimension || width > PngDecoder.MaxDimension || elements > MaxInputElements)
            throw new DeepSharpException(
                $"predict reads images of at most {PngDecoder.MaxDimension} pixels a side and {MaxInputElements} values; this model takes {height}×{width}×{channels} = {elements}.");
        return (height, width, channels);
    }

    /// <summary>The images at <paramref name="path"/> in batches, each checked against the model's input before it is decoded.</summary>
    public static IEnumerable<(string[] Names, Tensor Images)> Batches(string path, Shape inputShape)
    {
        var (height, width, channels) = CheckInput(inputShape);
        int size = height * width * channels;
        int batch = BatchSize(size);
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.png").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new DeepSharpException($"Folder '{path}' holds no .png files.");
            return PngBatches(files, height, width, channels, batch);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file or folder '{path}' does not exist.");
        if (IsPng(path)) return PngBatches([path], height, width, channels, batch);

        var (count, rows, cols) = IdxReader.ReadImagesShape(path);
        if (rows != height || cols != width)
            throw new DeepSharpException($"idx file '{path}' holds {rows}×{cols} images; the model takes {height}×{width} (resize them first).");
        if (channels != 1) throw new DeepSharpException($"idx file '{path}' holds gray images; the model takes {channels} channels.");
        return IdxBatches(path, count, size, batch);
    }

    private static IEnumerable<(string[] Names, Tensor Images)> PngBatches(string[] files, int height, int width, int channels, int batch)
    {
        int size = height * width * channels;
        for (int start = 0; start < files.Length; start += batch)
        {
            int n = Math.Min(batch, files.Length - start);
            var names = new string[n];
            for (int i = 0; i < n; i++)
            {
                // The header alone first: a file of another size is refused before it is inflated or anything is allocated for it.
                string file = files[start + i];
                var info = PngDecoder.ReadInfo(file);
                if (info.Height != height || info.Width != width)
                    throw new DeepSharpException($"PNG file '{file}' is {info.Width}×{info.Height}; the model takes {width}×{height} images (resize it first).");
                names[i] = Path.GetFileName(file);
            }
            var data = new float[(long)n * size];
            for (int i = 0; i < n; i++)
            {
                string file = files[start + i];
                var image = PngDecoder.Decode(file);
                if (image.Height != height || image.Width != width) // the file changed since its header was read
                    throw new DeepSharpException($"PNG file '{file}' is {image.Width}×{image.Height}; the model takes {width}×{height} images (resize it first).");
                ToFloats(image, data.AsSpan(i * size, size), channels);
            }
            yield return (names, Tensor.Wrap(data, n, height, width, channels));
        }
    }

    private static IEnumerable<(string[] Names, Tensor Images)> IdxBatches(string path, int count, int size, int batch)
    {
        var idx = IdxReader.ReadImages(path); // at most IdxReader.MaxDataBytes, checked before reading
        if (idx.Count != count) throw new DeepSharpException($"idx file '{path}' changed while it was read.");
        string name = Path.GetFileName(path);
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            var data = new float[(long)n * size];
            var pixels = idx.Pixels.AsSpan(start * size, n * size);
            for (int i = 0; i < data.Length; i++) data[i] = pixels[i] / 255f;
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = $"{name}[{start + i}]";
            yield return (names, Tensor.Wrap(data, n, idx.Rows, idx.Cols, 1));
        }
    }

    /// <summary>Pixels as floats in [0, 1]: gray from RGB by luminance for one channel; gray repeated for three.</summary>
    private static void ToFloats(PngImage image, Span<float> result, int channels)
    {
        if (channels == 1)
        {
            var gray = image.ToGrayscale();
            for (int i = 0; i < gray.Length; i++) result[i] = gray[i] / 255f;
            return;
        }
        int pixels = image.Width * image.Height;
        for (int i = 0; i < pixels; i++)
            for (int c = 0; c < 3; c++)
                result[i * 3 + c] = image.Pixels[i * image.Channels + (image.Channels < 3 ? 0 : c)] / 255f;
    }

    private static bool IsPng(string path)
    {
        BoundedFile.ThrowIfNotRegular(path); // a FIFO would block the open
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[8];
        int read = file.ReadAtLeast(start, 8, throwOnEndOfStream: false);
        return read == 8 && start.SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    }
}
