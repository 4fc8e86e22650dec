using DeepSharp.Data.Images;

namespace DeepSharp.Tests.Data;

public class PngDecoderTests
{
    private static byte[] Pixels(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void DecodesEveryColorTypeAndFilter(int channels)
    {
        int width = 7, height = 11;
        var pixels = Pixels(width * height * channels, channels);
        var png = TestPng.Encode(width, height, channels, pixels, 0, 1, 2, 3, 4);
        var image = PngDecoder.Decode(png, "test.png");
        Assert.Equal((width, height, channels), (image.Width, image.Height, image.Channels));
        Assert.Equal(pixels, image.Pixels);
    }

    [Fact]
    public void GrayscaleUsesLuminance()
    {
        var image = PngDecoder.Decode(TestPng.Encode(2, 1, 3, [255, 0, 0, 10, 200, 30]), "rgb.png");
        Assert.Equal(new byte[] { 76, 124 }, image.ToGrayscale()); // 0.299·255 = 76.2; 2.99 + 117.4 + 3.42 = 123.8
    }

    [Fact]
    public void BadFilesGiveOneTypedError()
    {
        var good = TestPng.Encode(4, 4, 1, Pixels(16, 1), 4);
        var wrongCrc = (byte[])good.Clone();
        wrongCrc[20] ^= 1; // inside IHDR's data
        var truncated = good[..(good.Length - 20)];
        var notPng = "hello world!"u8.ToArray();
        foreach (var (bytes, expected) in new[] { (wrongCrc, "CRC"), (truncated, "beyond the end of the file"), (notPng, "signature") })
        {
            var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(bytes, "bad.png"));
            Assert.Contains("bad.png", e.Message);
            Assert.Contains(expected, e.Message);
        }
    }

    [Fact]
    public void HugeClaimedSizeIsRefusedBeforeAllocating()
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, 8000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), 8000);
        ihdr[8] = 8;
        ihdr[9] = 6;
        TestPng.Chunk(png, "IHDR", ihdr);
        TestPng.Chunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        TestPng.Chunk(png, "IEND", []);
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png.ToArray(), "bomb.png"));
        Assert.Contains("cannot inflate", e.Message);
    }
}
