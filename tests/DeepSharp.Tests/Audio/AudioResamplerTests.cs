using DeepSharp.Data.Audio;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Audio;

/// <summary>Resampling keeps a tone's frequency and level, removes what the new rate cannot hold, and adds noise at the SNR asked for.</summary>
public class AudioResamplerTests
{
    private static float[] Tone(double hz, int rate, int n) =>
        Enumerable.Range(0, n).Select(t => (float)Math.Sin(2 * Math.PI * hz * t / rate)).ToArray();

    [Theory]
    [InlineData(22050, 16000, 1000.0)]
    [InlineData(16000, 22050, 440.0)]
    [InlineData(44100, 8000, 300.0)]
    [InlineData(8000, 8001, 100.0)] // 8001 phases: the direct path
    public void ATonePassesAtItsFrequency(int from, int to, double hz)
    {
        var y = AudioResampler.Resample(Tone(hz, from, from / 2), from, to);
        Assert.Equal((from / 2 * (long)to + from - 1) / from, y.Length);
        var want = Tone(hz, to, y.Length);
        for (int j = y.Length / 4; j < 3 * y.Length / 4; j++) // away from the edges
            Assert.True(Math.Abs(y[j] - want[j]) < 2e-3, $"{from}→{to} Hz: sample {j} is {y[j]}, expected {want[j]}");
    }

    [Fact]
    public void ToneAboveTheNewNyquistIsRemoved()
    {
        var y = AudioResampler.Resample(Tone(9000, 22050, 11025), 22050, 16000); // 9 kHz > 8 kHz
        double rms = Math.Sqrt(y.Skip(2000).Take(4000).Average(v => (double)v * v));
        Assert.True(rms < 0.02, $"a 9 kHz tone left {rms} RMS at 16 kHz");
    }

    [Fact]
    public void SameRateCopiesAndBadRatesAreRefused()
    {
        var x = new[] { 1f, 2f, 3f };
        Assert.Equal(x, AudioResampler.Resample(x, 16000, 16000));
        Assert.Empty(AudioResampler.Resample([], 22050, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioResampler.Resample(x, 0, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioResampler.Resample(x, 16000, 1_000_000));
    }

    [Fact]
    public void NoiseHasTheRequestedSnrAndRepeatsForASeed()
    {
        var clean = Tone(500, 16000, 16000);
        var a = (float[])clean.Clone();
        var b = (float[])clean.Clone();
        AudioNoise.Add(a, 10f, new RandomGenerator(7));
        AudioNoise.Add(b, 10f, new RandomGenerator(7));
        Assert.Equal(a, b);
        double signal = clean.Average(v => (double)v * v);
        double noise = a.Zip(clean).Average(p => (double)(p.First - p.Second) * (p.First - p.Second));
        Assert.InRange(10 * Math.Log10(signal / noise), 9.8, 10.2);
        var silent = new float[10];
        AudioNoise.Add(silent, 0f, new RandomGenerator(1));
        Assert.All(silent, v => Assert.Equal(0f, v));
    }
}
