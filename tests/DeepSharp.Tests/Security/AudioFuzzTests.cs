using System.Buffers.Binary;
using System.Diagnostics;
using DeepSharp.Cli.Commands;
using DeepSharp.Data.Audio;
using DeepSharp.Data.Datasets;
using DeepSharp.Nn.Layers;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// WAV files (docs/security.md, "Audio"): mutated recordings through the reader and the resampling every
/// caller does next (the speech data set's clips, <c>deepsharp predict</c>'s batches), held to a memory
/// budget that a recording's size fields or sample rate cannot stretch; and the regression of a 1 Hz
/// recording, which was resampled whole to 16 kHz (16,000 floats per input sample) before being trimmed
/// to the model's input.
/// </summary>
public sealed class AudioFuzzTests(ITestOutputHelper output)
{
    private readonly FuzzHarness _harness = new(output);

    /// <summary>A valid recording of <paramref name="samples"/> samples, with a LIST chunk of odd size (padded) before its data when <paramref name="extraChunk"/>.</summary>
    private static byte[] Wav(Random random, int rate, int samples, bool extraChunk)
    {
        var signal = new float[samples];
        for (int i = 0; i < signal.Length; i++) signal[i] = (float)(random.NextDouble() * 2 - 1);
        var plain = WavFile.Encode(rate, signal);
        if (!extraChunk) return plain;
        byte[] list = [(byte)'L', (byte)'I', (byte)'S', (byte)'T', 5, 0, 0, 0, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', 0];
        byte[] bytes = [.. plain[..36], .. list, .. plain[36..]];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    private static readonly uint[] s_fieldValues = [0, 1, 2, 3, 7, 8, 16, 44, 8000, 16000, 44100, 384_000, 384_001, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF];

    /// <summary>A size, format, channel count, rate or bit depth field set to an edge value (or a random one), then maybe truncated.</summary>
    private static byte[] MutateFields(Random random, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        // RIFF size, fmt size, format, channels, rate, byte rate, block align, bits, data size (of the plain layout)
        (int Offset, int Width)[] fields = [(4, 4), (16, 4), (20, 2), (22, 2), (24, 4), (28, 4), (32, 2), (34, 2), (40, 4)];
        for (int k = 1 + random.Next(2); k > 0; k--)
        {
            var (offset, width) = fields[random.Next(fields.Length)];
            uint value = random.Next(4) == 0 ? (uint)random.NextInt64(0, 1L << 32) : s_fieldValues[random.Next(s_fieldValues.Length)];
            if (width == 4) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
            else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)value);
        }
        if (random.Next(4) == 0) bytes = bytes[..random.Next(bytes.Length)];
        return bytes;
    }

    /// <summary>
    /// What a case may allocate: the clip (64 KB), the signal (8 bytes a file byte, as floats and its copy), the
    /// resampler's phase table (at most 2²² floats) and slack — never a multiple of what a sample rate promises.
    /// </summary>
    private static long Budget(byte[] bytes) => (20L << 20) + 16L * bytes.Length;

    [Fact(Timeout = 120_000)]
    public async Task MutatedRecordingsAreReadAndClippedOrRefused() => await Task.Run(() =>
    {
        int[] rates = [1, 8000, 16000, 22050, 44100];
        Func<Random, byte[]> valid = random => Wav(random, rates[random.Next(rates.Length)], 400, random.Next(2) == 0);
        Action<byte[]> read = bytes => SpeechDigits.ToClip(WavFile.Parse(bytes, "case.wav"));
        _harness.Run("wav bytes", 500, seed: 1801, random => FuzzHarness.MutateBytes(random, valid(random)), read, Budget, minRejectedPercent: 20);
        _harness.Run("wav fields", 700, seed: 1802, random => MutateFields(random, valid(random)), read, Budget);
    });

    [Fact]
    public void ARecordingAtOneHertzIsResampledOnlyAsFarAsTheClip()
    {
        // 4,000 samples at 1 Hz (an 8 KB file) resampled whole to 16 kHz: 64,000,000 floats (256 MB) for a clip of 16,000.
        var audio = WavFile.Parse(Wav(new Random(1), 1, 4000, extraChunk: false), "slow.wav");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clip = SpeechDigits.ToClip(audio);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(SpeechDigits.ClipSamples, clip.Length);
        Assert.True(allocated < 4 << 20, $"a clip of an 8 KB recording allocated {allocated / 1e6:F1} MB");
    }

    [Fact]
    public void ATrimmedResampleIsTheStartOfTheWholeOne()
    {
        var x = new float[300];
        var random = new Random(2);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        foreach (var (from, to) in new[] { (8, 16000), (16000, 16000), (44100, 16000), (1, 3), (7, 5) })
        {
            var whole = AudioResampler.Resample(x, from, to);
            foreach (int length in new[] { 0, 1, 17, whole.Length - 1, whole.Length, whole.Length + 5 })
            {
                if (length < 0) continue;
                Assert.Equal(whole[..Math.Min(length, whole.Length)], AudioResampler.Resample(x, from, to, length));
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioResampler.Resample(x, 1, 16000, -1));
    }

    [Fact]
    public void ResamplingPastAnArraysLengthIsRefusedBeforeAllocating()
    {
        // 2^20 samples at 1 Hz to 384 kHz: 4 × 10^11 samples. Refused by its length, not by the allocator.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AudioResampler.Resample(new float[1 << 20], 1, WavFile.MaxSampleRate));
        Assert.Contains("402653184000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16, AudioResampler.Resample(new float[1 << 20], 1, WavFile.MaxSampleRate, 16).Length);
    }

    [Fact]
    public void PredictBatchesOfAOneHertzRecordingHoldOnlyTheModelsInput()
    {
        using var folder = new TempFolder();
        string path = folder.File("slow.wav");
        System.IO.File.WriteAllBytes(path, Wav(new Random(3), 1, 4000, extraChunk: true));
        var model = new Sequential(new Dense(1, inputShape: [16000]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var batches = AudioInputs.Batches(path, model).ToList();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var (names, signals) = Assert.Single(batches);
        Assert.Equal(["slow.wav"], names);
        Assert.Equal([1, 16000], signals.Shape.ToArray());
        Assert.True(allocated < 4 << 20, $"predict's batch of an 8 KB recording allocated {allocated / 1e6:F1} MB in {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void PredictRefusesAModelRateTheResamplerCannotReach()
    {
        using var folder = new TempFolder();
        string path = folder.File("a.wav");
        System.IO.File.WriteAllBytes(path, Wav(new Random(4), 16000, 100, extraChunk: false));
        var model = new Sequential(new MelSpectrogram(64, 32, samplingRate: 500_000f, numMelBins: 6, inputShape: [256]));
        var ex = Assert.Throws<DeepSharpException>(() => AudioInputs.Batches(path, model).ToList());
        Assert.Contains("500000 Hz", ex.Message, StringComparison.Ordinal);
    }
}
