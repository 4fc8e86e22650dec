using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using DeepSharp.Cli.Commands;
using DeepSharp.Data.Images;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 9 (images and predict): memory stays a small multiple of the input. A PNG's header
/// is checked against the model's input before it is inflated; a model's declared input is checked
/// against a limit before anything is allocated for it; a folder is predicted in batches; the decoder
/// inflates row by row into the pixels and no further than the header promises.
/// </summary>
public sealed class PredictInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A gray PNG of <paramref name="width"/>×<paramref name="height"/> zeros, streamed through the compressor (no image-sized buffer).</summary>
    internal static byte[] BlackPng(int width, int height, int extraRows = 0)
    {
        using var zipped = new MemoryStream();
        using (var z = new ZLibStream(zipped, CompressionLevel.SmallestSize))
        {
            var row = new byte[width + 1];
            for (int y = 0; y < height + extraRows; y++) z.Write(row);
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        TestPng.Chunk(png, "IHDR", ihdr);
        TestPng.Chunk(png, "IDAT", zipped.ToArray());
        TestPng.Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static (T Result, long Allocated, double Milliseconds) Measure<T>(Func<T> action)
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var result = action();
        return (result, GC.GetTotalAllocatedBytes(precise: true) - before, clock.Elapsed.TotalMilliseconds);
    }

    private string ModelFile(string name, int[] inputShape)
    {
        RandomGenerator.SetGlobalSeed(1);
        var model = new Sequential(new GlobalAveragePooling2D(inputShape: inputShape), new Dense(2, Activation.Softmax));
        string path = _temp.File(name);
        model.Save(path);
        return path;
    }

    /// <summary>The file: an 8192² PNG for a 28×28 model is refused from its 33-byte header, before inflating.</summary>
    [Fact]
    public void PngOfTheWrongSizeIsRefusedFromItsHeader()
    {
        string png = _temp.File("big.png");
        File.WriteAllBytes(png, BlackPng(8192, 8192));
        var (e, allocated, ms) = Measure(() => Assert.Throws<DeepSharpException>(() => ImageInputs.Batches(png, new Shape(28, 28, 1)).First()));
        output.WriteLine($"{new FileInfo(png).Length}-byte 8192² PNG refused in {ms:F1} ms with {allocated / 1e6:F2} MB allocated: {e.Message}");
        Assert.Contains("is 8192×8192; the model takes 28×28", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    /// <summary>Decoding such a PNG outright costs its pixels and a few rows (the raw inflated copy is gone).</summary>
    [Fact]
    public void LargePngDecodesIntoItsPixelsAlone()
    {
        var png = BlackPng(8192, 8192);
        var (image, allocated, ms) = Measure(() => PngDecoder.Decode(png, "big.png"));
        output.WriteLine($"{png.Length}-byte 8192² gray PNG decoded in {ms:F0} ms with {allocated / 1e6:F1} MB allocated (pixels {image.Pixels.Length / 1e6:F1} MB)");
        Assert.Equal((8192, 8192, 1), (image.Width, image.Height, image.Channels));
        Assert.True(allocated < image.Pixels.Length + png.Length + (2 << 20), $"allocated {allocated} bytes");
    }

    /// <summary>The image data inflates far beyond the header's promise (64 MB for 28×28): inflating stops at the promise, and the rest is never inflated.</summary>
    [Fact]
    public void InflatingStopsAtThePromise()
    {
        var png = BlackPng(28, 28, extraRows: 64 * 1024 * 1024 / 29);
        var (image, allocated, ms) = Measure(() => PngDecoder.Decode(png, "long.png"));
        output.WriteLine($"{png.Length}-byte PNG holding 64 MB of image data for 28×28: decoded in {ms:F1} ms with {allocated / 1e6:F2} MB allocated");
        Assert.Equal((28, 28, 1), (image.Width, image.Height, image.Channels));
        Assert.True(allocated < (1 << 20) + png.Length, $"allocated {allocated} bytes");
        Assert.True(ms < 1000);
    }

    [Theory]
    [InlineData(16385, 4)]
    [InlineData(4, 16385)]
    [InlineData(9000, 9000)]
    public void DecoderCapsDimensions(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        TestPng.Chunk(png, "IHDR", ihdr);
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.ReadInfo(png.ToArray(), "wide.png"));
        Assert.Contains($"size {width}×{height} exceeds", e.Message);
    }

    /// <summary>The model: input 65537×32767 and a few hundred bytes of file. predict refuses it before allocating.</summary>
    [Fact]
    public async Task HugeModelInputIsRefusedBeforeAllocating()
    {
        string model = ModelFile("huge-input.safetensors", [65537, 32767, 1]);
        string folder = Directory.CreateDirectory(_temp.File("pngs")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "a.png"), BlackPng(28, 28));

        var (e, allocated, _) = Measure(() => Assert.Throws<DeepSharpException>(() => ImageInputs.Batches(folder, new Shape(65537, 32767, 1)).First()));
        output.WriteLine($"{new FileInfo(model).Length}-byte model with input 65537×32767: {allocated / 1e6:F2} MB allocated: {e.Message}");
        Assert.Contains("65537×32767×1 = 2147450879", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");

        var (code, _, err) = await CliTests.Run(null, "predict", model, folder);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("this model takes 65537×32767×1", err);
    }

    /// <summary>A folder of 300 images comes in two batches (256 + 44), not one tensor for all files, and predict prints every one in order.</summary>
    [Fact]
    public async Task FolderIsPredictedInBatches()
    {
        string folder = Directory.CreateDirectory(_temp.File("many")).FullName;
        var png = TestPng.Encode(28, 28, 1, IdxFiles.Pattern(28 * 28));
        for (int i = 0; i < 300; i++) File.WriteAllBytes(Path.Combine(folder, $"{i:D3}.png"), png);

        var batches = ImageInputs.Batches(folder, new Shape(28, 28, 1)).Select(b => (b.Names.Length, b.Images.Shape[0], b.Names[0])).ToList();
        Assert.Equal([(256, 256, "000.png"), (44, 44, "256.png")], batches);
        Assert.Equal(1, ImageInputs.BatchSize(ImageInputs.MaxInputElements));

        var (code, stdout, err) = await CliTests.Run(null, "predict", ModelFile("small.safetensors", [28, 28, 1]), folder);
        Assert.True(code == 0, err);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(300, lines.Length);
        Assert.StartsWith("299.png: ", lines[^1]);
    }

    /// <summary>An idx file of the wrong image size is refused from its header, before its data is read.</summary>
    [Fact]
    public void IdxOfTheWrongSizeIsRefusedFromItsHeader()
    {
        string idx = _temp.File("images-idx3-ubyte");
        File.WriteAllBytes(idx, IdxFiles.Images(10_000, 8, 8));
        var (e, allocated, _) = Measure(() => Assert.Throws<DeepSharpException>(() => ImageInputs.Batches(idx, new Shape(28, 28, 1)).First()));
        Assert.Contains("holds 8×8 images; the model takes 28×28", e.Message);
        Assert.True(allocated < 256 << 10, $"allocated {allocated} bytes");
    }
}
