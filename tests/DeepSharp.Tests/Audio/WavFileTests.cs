using System.Buffers.Binary;
using DeepSharp.Data.Audio;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Audio;

/// <summary>WAV reading: round trips, and hostile or unsupported files refused with the file and byte named.</summary>
public class WavFileTests
{
    private static byte[] Valid(int samples = 4, int rate = 16000) =>
        WavFile.Encode(rate, Enumerable.Range(0, samples).Select(i => (i - samples / 2) / (float)samples).ToArray());

    [Fact]
    public void RoundTripsSixteenBitMono()
    {
        using var folder = new TempFolder();
        string path = folder.File("a.wav");
        var samples = new[] { 0f, 0.5f, -0.5f, 1f, -1f, 0.25f, 2f, float.NaN };
        WavFile.Write(path, 22050, samples);
        var audio = WavFile.Read(path);
        Assert.Equal(22050, audio.SampleRate);
        Assert.Equal(new[] { 0f, 0.5f, -0.5f, 32767 / 32768f, -1f, 0.25f, 32767 / 32768f, 0f }, audio.Samples);
        Assert.Equal(8 / 22050.0, audio.Seconds, 12);
    }

    [Fact]
    public void SkipsOtherChunksAndTheirPadding()
    {
        var wav = Valid(3);
        // Insert an odd-sized LIST chunk (padded to even) between fmt and data.
        var list = new byte[] { (byte)'L', (byte)'I', (byte)'S', (byte)'T', 3, 0, 0, 0, 1, 2, 3, 0 };
        var bytes = wav[..36].Concat(list).Concat(wav[36..]).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        Assert.Equal(WavFile.Parse(wav, "a").Samples, WavFile.Parse(bytes, "b").Samples);
    }

    public static TheoryData<string, string> Hostile() => new()
    {
        { "empty", "is not a RIFF/WAVE file" },
        { "text", "is not a RIFF/WAVE file" },
        { "stereo", "2 channels" },
        { "float", "format 3 (IEEE float)" },
        { "8-bit", "8-bit samples" },
        { "rate-0", "sample rate of 0 Hz" },
        { "truncated-data", "only 4 bytes follow" },
        { "huge-data", "data chunk of 4294967295 bytes" },
        { "huge-chunk", "'junk' chunk of 2147483648 bytes" },
        { "odd-data", "not a whole number of 16-bit samples" },
        { "no-fmt", "data chunk before a fmt chunk" },
        { "short-fmt", "fmt chunk of 8 bytes" },
        { "no-data", "has no data chunk" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileFilesAreRefusedNamingTheFileAndByte(string kind, string message)
    {
        var bytes = kind switch
        {
            "empty" => [],
            "text" => "hello, world"u8.ToArray(),
            "stereo" => Patch(Valid(), 22, 2),
            "float" => Patch(Valid(), 20, 3),
            "8-bit" => Patch(Valid(), 34, 8),
            "rate-0" => Patch32(Valid(), 24, 0),
            "truncated-data" => Patch32(Valid(2), 40, 8),
            "huge-data" => Patch32(Valid(), 40, uint.MaxValue),
            "huge-chunk" => Junk(0x8000_0000),
            "odd-data" => Patch32(Valid(2), 40, 3),
            "no-fmt" => [.. "RIFF"u8, 12, 0, 0, 0, .. "WAVE"u8, .. "data"u8, 0, 0, 0, 0],
            "short-fmt" => [.. "RIFF"u8, 20, 0, 0, 0, .. "WAVE"u8, .. "fmt "u8, 8, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3E, 0, 0],
            "no-data" => Valid()[..36],
            _ => throw new ArgumentException(kind),
        };
        var e = Assert.Throws<DataFormatException>(() => WavFile.Parse(bytes, "hostile.wav"));
        Assert.Contains("'hostile.wav'", e.Message);
        Assert.Contains("at byte", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MissingAndOversizedFilesAreRefusedBeforeReading()
    {
        using var folder = new TempFolder();
        Assert.Throws<FileAccessException>(() => WavFile.Read(folder.File("missing.wav")));
        string big = folder.File("big.wav");
        using (var f = File.Create(big)) f.SetLength(WavFile.MaxBytes + 1); // sparse: nothing is allocated
        var e = Assert.Throws<DataFormatException>(() => WavFile.Read(big));
        Assert.Contains("at most", e.Message);
    }

    [Fact]
    public void ARiffSizeLargerThanTheFileReadsUpToItsEnd()
    {
        var bytes = Patch32(Valid(4), 4, 0xFFFF_FFFF); // streamed WAVs leave the RIFF size unset
        Assert.Equal(4, WavFile.Parse(bytes, "stream.wav").Samples.Length);
    }

    private static byte[] Patch(byte[] bytes, int offset, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), value);
        return bytes;
    }

    private static byte[] Patch32(byte[] bytes, int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
        return bytes;
    }

    private static byte[] Junk(uint size)
    {
        var wav = Valid();
        byte[] junk = [.. "junk"u8, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32LittleEndian(junk.AsSpan(4), size);
        return [.. wav[..12], .. junk, .. wav[12..]];
    }
}
