using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Nn;

namespace DeepSharp.Tests.Audio;

/// <summary>STFTSpectrogram, MelSpectrogram and SpecAugment: shapes, values against their definitions, configs, and the gradient contract.</summary>
public class SpectrogramLayerTests
{
    private static Tensor Tones(int batch, int samples, int rate, params double[] hz)
    {
        var data = new float[batch * samples];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < samples; t++)
                data[b * samples + t] = (float)Math.Sin(2 * Math.PI * hz[b % hz.Length] * t / rate);
        return Tensor.FromArray(data, batch, samples);
    }

    [Fact]
    public void StftOfAToneHasItsPeakAtTheTonesBin()
    {
        // 1 kHz at 8 kHz with a 64-point FFT: bin 8 exactly.
        var layer = new StftSpectrogram(StftMode.Magnitude, frameLength: 64, frameStep: 32, window: StftWindow.None);
        var y = layer.Call(Tones(2, 256, 8000, 1000, 2000));
        Assert.Equal(new Shape(2, 7, 33), y.Shape);
        for (int f = 0; f < 7; f++)
        {
            Assert.Equal(32f, y[0, f, 8], 2);  // |X| = n/2 for a unit sine at a bin
            Assert.Equal(32f, y[1, f, 16], 2);
            Assert.True(y[0, f, 7] < 1e-3f && y[0, f, 9] < 1e-3f);
        }
    }

    [Fact]
    public void StftModesAgree()
    {
        var x = GradCheck.Random(3, 2, 300, 1);
        var magnitude = new StftSpectrogram(StftMode.Magnitude, 100, 40, 128).Call(x).ToArray();
        var psd = new StftSpectrogram(StftMode.Psd, 100, 40, 128).Call(x).ToArray();
        var log = new StftSpectrogram(StftMode.Log, 100, 40, 128).Call(x).ToArray();
        for (int i = 0; i < psd.Length; i++)
        {
            Assert.Equal(magnitude[i] * magnitude[i], psd[i], 3e-4f * (1 + psd[i]));
            Assert.Equal(MathF.Log(MathF.Max(psd[i], 1e-10f)), log[i], 1e-3f);
        }
    }

    [Fact]
    public void WindowsFollowTheirFormulas()
    {
        var hann = new StftSpectrogram(frameLength: 5).WindowWeights;
        Assert.Equal(new[] { 0f, 0.5f, 1f, 0.5f, 0f }, hann.Select(v => MathF.Round(v, 6)));
        var periodic = new StftSpectrogram(frameLength: 4, periodic: true).WindowWeights;
        Assert.Equal(new[] { 0f, 0.5f, 1f, 0.5f }, periodic.Select(v => MathF.Round(v, 6)));
        var hamming = new StftSpectrogram(frameLength: 3, window: StftWindow.Hamming).WindowWeights;
        Assert.Equal(new[] { 0.08f, 1f, 0.08f }, hamming.Select(v => MathF.Round(v, 6)));
    }

    [Fact]
    public void MelSpectrogramIsTheFilterBankOfThePowerSpectrumInDecibels()
    {
        var x = GradCheck.Random(4, 2, 1000);
        var mel = new MelSpectrogram(fftLength: 256, sequenceStride: 100, sequenceLength: 200, samplingRate: 8000, numMelBins: 12, topDb: null);
        var y = mel.Call(x);
        Assert.Equal(new Shape(2, 9, 12), y.Shape);
        var power = new StftSpectrogram(StftMode.Psd, 200, 100, 256).Call(x);
        var filters = mel.Filters;
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < 9; f++)
                for (int m = 0; m < 12; m++)
                {
                    double sum = 0;
                    for (int k = 0; k < 129; k++) sum += power[b, f, k] * filters[k * 12 + m];
                    Assert.Equal(10 * Math.Log10(Math.Max(sum, 1e-10)), y[b, f, m], 2e-3);
                }
    }

    [Fact]
    public void MelFiltersAreTrianglesOnTheMelScale()
    {
        var w = new MelSpectrogram(fftLength: 512, samplingRate: 16000, numMelBins: 40, minFreq: 0).Filters;
        Assert.Equal(257 * 40, w.Length);
        for (int m = 0; m < 40; m++) Assert.Equal(0f, w[m]); // DC weighs nothing
        Assert.All(w, v => Assert.InRange(v, 0f, 1f));
        for (int m = 0; m < 40; m++)
        {
            var column = Enumerable.Range(0, 257).Select(k => w[k * 40 + m]).ToArray();
            int peak = Array.IndexOf(column, column.Max());
            Assert.True(column.Max() > 0.5f, $"filter {m} peaks at {column.Max()}");
            for (int k = 1; k < 257; k++) // rises to its peak, then falls
                Assert.True(k <= peak ? column[k] >= column[k - 1] : column[k] <= column[k - 1], $"filter {m} is not a triangle at bin {k}");
        }
    }

    [Fact]
    public void TopDbFloorsEachSampleBelowItsOwnPeak()
    {
        var loud = Tones(1, 2048, 16000, 440).ToArray();
        var quiet = loud.Select(v => v * 1e-3f).ToArray();
        var x = Tensor.FromArray([.. loud, .. quiet], 2, 2048);
        var layer = new MelSpectrogram(fftLength: 512, sequenceStride: 256, numMelBins: 20, topDb: 30f);
        var y = layer.Call(x);
        for (int b = 0; b < 2; b++)
        {
            var sample = Enumerable.Range(0, y.Shape[1] * 20).Select(i => y.Span[b * y.Shape[1] * 20 + i]).ToArray();
            Assert.Equal(sample.Max() - 30f, sample.Min(), 3);
        }
        // The quiet copy is 60 dB lower at its peak: a batch-wide floor would have flattened it.
        Assert.Equal(60f, y.Span[..(y.Size / 2)].ToArray().Max() - y.Span[(y.Size / 2)..].ToArray().Max(), 1);
        // Samples do not depend on their batch.
        var alone = layer.Call(Tensor.FromArray(quiet, 1, 2048)).ToArray();
        Assert.Equal(y.Span[(y.Size / 2)..].ToArray(), alone);
    }

    [Fact]
    public void ConfigsRoundTripThroughTheRegistry()
    {
        Layer[] layers =
        [
            new StftSpectrogram(StftMode.Psd, 100, 30, 256, StftWindow.Hamming, periodic: true, name: "stft"),
            new MelSpectrogram(1024, 160, 400, StftWindow.None, 22050f, 64, 50f, 8000f, powerToDb: true, topDb: null, magPower: 1f, minPower: 1e-6f, refPower: 2f),
            new MelSpectrogram(),
            new SpecAugment(1, 5, 3, 7, -1f, seed: 4),
        ];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            var clone = LayerRegistry.Create(layer.TypeName, config);
            Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
            Assert.Equal(0, clone.ParameterCount);
        }
        Assert.Equal("stft_spectrogram", new StftSpectrogram().DefaultNamePrefix);
    }

    [Fact]
    public void BadSizesAndInputsAreRefusedWithTheLayerNamed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StftSpectrogram(frameLength: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StftSpectrogram(frameLength: 100, fftLength: 96)); // not a power of two
        Assert.Throws<ArgumentOutOfRangeException>(() => new StftSpectrogram(frameLength: 100, fftLength: 64)); // shorter than the frame
        Assert.Throws<ArgumentOutOfRangeException>(() => new MelSpectrogram(fftLength: 16384));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MelSpectrogram(samplingRate: 8000, maxFreq: 5000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpecAugment(timeMaskWidth: -1));
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("STFTSpectrogram", new System.Text.Json.Nodes.JsonObject { ["fft_length"] = 100, ["frame_length"] = 64 }));
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("MelSpectrogram", new System.Text.Json.Nodes.JsonObject { ["window"] = "kaiser" }));

        var stft = new StftSpectrogram(frameLength: 64, name: "front");
        var e = Assert.Throws<ShapeMismatchException>(() => stft.Call(Tensor.Zeros(2, 10)));
        Assert.Contains("'front'", e.Message);
        Assert.Throws<ShapeMismatchException>(() => new MelSpectrogram(fftLength: 64).Call(Tensor.Zeros(2, 100, 2))); // stereo
        var mono = new MelSpectrogram(fftLength: 64, sequenceStride: 32, numMelBins: 8).Call(Tensor.Zeros(2, 100, 1));
        Assert.Equal(new Shape(2, 2, 8), mono.Shape);
        Assert.All(mono.ToArray(), v => Assert.Equal(-100f, v)); // silence: 10·log10(1e-10)
    }

    [Fact]
    public void SpectrogramsRefuseAnInputThatRequiresAGradient()
    {
        var x = GradCheck.Random(1, 2, 300);
        x.RequiresGrad = true;
        var e = Assert.Throws<DeepSharpException>(() => new MelSpectrogram(fftLength: 128, name: "mel").Call(x));
        Assert.Contains("'mel'", e.Message);
        Assert.Contains("no gradient", e.Message);
        Assert.Throws<DeepSharpException>(() => new StftSpectrogram(frameLength: 64).Call(x));
        using (NoGrad.Scope()) Assert.Equal(3, new StftSpectrogram(frameLength: 128, frameStep: 64).Call(x).Rank);
    }

    [Fact]
    public void SpecAugmentIsTheIdentityAtInference() =>
        LayerHarness.Run(() => new SpecAugment(seed: 1), [6, 5], [6, 5], 0);

    [Fact]
    public void SpecAugmentMasksBandsAndRunsWhileTraining()
    {
        var layer = new SpecAugment(frequencyMasks: 1, frequencyMaskWidth: 3, timeMasks: 1, timeMaskWidth: 4, maskValue: -5f, seed: 3);
        var x = Tensor.FromArray(Enumerable.Repeat(1f, 4 * 20 * 10).ToArray(), 4, 20, 10);
        x.RequiresGrad = true;
        var y = layer.Call(x, training: true);
        int masked = 0;
        for (int b = 0; b < 4; b++)
        {
            var fullRows = Enumerable.Range(0, 20).Count(t => Enumerable.Range(0, 10).All(k => y[b, t, k] == -5f));
            var fullColumns = Enumerable.Range(0, 10).Count(k => Enumerable.Range(0, 20).All(t => y[b, t, k] == -5f));
            Assert.InRange(fullRows, 0, 4);
            Assert.InRange(fullColumns, 0, 3);
            masked += fullRows + fullColumns;
            Assert.All(Enumerable.Range(0, 200).Select(i => y.Span[b * 200 + i]), v => Assert.True(v == 1f || v == -5f));
        }
        Assert.True(masked > 0, "no mask in four samples");
        Ops.Sum(y, null).Backward();
        Assert.All(x.Grad!.ToArray().Zip(y.ToArray()), p => Assert.Equal(p.Second == -5f ? 0f : 1f, p.First)); // gradient through the kept values
        Assert.Throws<ShapeMismatchException>(() => new SpecAugment().Call(Tensor.Zeros(2, 5)));
    }
}
