using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's MelSpectrogram: |STFT|^magPower of a mono signal, through a mel filter bank, in decibels
/// by default, as a layer with no weights. Input (batch, samples) or (batch, samples, 1); output
/// (batch, frames, numMelBins): frames first (Keras puts the mel axis first), so that Conv1D and
/// recurrent layers read frames as time, and Reshape adds the channel axis a Conv2D needs. Frames are
/// framed "valid" (no centering or padding): frames = 1 + (samples − sequenceLength)/sequenceStride.
/// In decibels, 10·log₁₀(max(x, minPower)) − 10·log₁₀(max(refPower, minPower)), floored at topDb below
/// each sample's own maximum (Keras floors below the whole batch's maximum, which makes a sample's
/// features depend on its batch). It has no gradient: put it first in a model.
/// </summary>
public sealed class MelSpectrogram : Layer
{
    private float[]? _window;
    private float[]? _filters;

    /// <param name="fftLength">FFT size, a power of two ≤ 8192 (Keras's <c>fft_length</c>).</param>
    /// <param name="sequenceStride">Samples between frame starts (the hop).</param>
    /// <param name="sequenceLength">Samples per frame, ≤ fftLength; null: fftLength.</param>
    /// <param name="window">The window applied to each frame.</param>
    /// <param name="samplingRate">The signal's sampling rate in Hz.</param>
    /// <param name="numMelBins">Mel filters (output features per frame), 1 to 1024.</param>
    /// <param name="minFreq">Lowest filter edge in Hz.</param>
    /// <param name="maxFreq">Highest filter edge in Hz, ≤ samplingRate/2; null: samplingRate/2.</param>
    /// <param name="powerToDb">Output decibels (else the filter bank's linear output).</param>
    /// <param name="topDb">In decibels, the floor below each sample's maximum; null: none.</param>
    /// <param name="magPower">The exponent of the magnitude: 2 for power, 1 for magnitude (0 to 4].</param>
    /// <param name="minPower">The floor of the filter output before the logarithm.</param>
    /// <param name="refPower">The reference power that maps to 0 dB.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, (samples) or (samples, 1), for a Sequential model's first layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, frequency or power is out of its range.</exception>
    public MelSpectrogram(int fftLength = 2048, int sequenceStride = 512, int? sequenceLength = null, StftWindow window = StftWindow.Hann,
        float samplingRate = 16000f, int numMelBins = 128, float minFreq = 20f, float? maxFreq = null, bool powerToDb = true,
        float? topDb = 80f, float magPower = 2f, float minPower = 1e-10f, float refPower = 1f, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        FftLength = fftLength;
        SequenceStride = sequenceStride;
        SequenceLength = sequenceLength ?? fftLength;
        StftSpectrogramFrames.CheckSizes(TypeName, SequenceLength, SequenceStride, FftLength);
        if (!(samplingRate >= 1f && samplingRate <= 1e6f)) throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "MelSpectrogram sampling rate must be in [1, 1e6] Hz.");
        if (numMelBins < 1 || numMelBins > MaxMelBins) throw new ArgumentOutOfRangeException(nameof(numMelBins), numMelBins, $"MelSpectrogram needs 1 to {MaxMelBins} mel bins.");
        float max = maxFreq ?? samplingRate / 2;
        if (!(minFreq >= 0f && minFreq < max && max <= samplingRate / 2))
            throw new ArgumentOutOfRangeException(nameof(minFreq), $"MelSpectrogram needs 0 ≤ minFreq < maxFreq ≤ samplingRate/2, got {minFreq}, {max}, {samplingRate}/2.");
        if (topDb is { } t && !(t > 0f && float.IsFinite(t))) throw new ArgumentOutOfRangeException(nameof(topDb), topDb, "MelSpectrogram topDb must be positive.");
        if (!(magPower > 0f && magPower <= 4f)) throw new ArgumentOutOfRangeException(nameof(magPower), magPower, "MelSpectrogram magPower must be in (0, 4].");
        if (!(minPower > 0f && float.IsFinite(minPower))) throw new ArgumentOutOfRangeException(nameof(minPower), minPower, "MelSpectrogram minPower must be positive.");
        if (!(refPower > 0f && float.IsFinite(refPower))) throw new ArgumentOutOfRangeException(nameof(refPower), refPower, "MelSpectrogram refPower must be positive.");
        Window = window;
        SamplingRate = samplingRate;
        NumMelBins = numMelBins;
        MinFreq = minFreq;
        MaxFreq = max;
        PowerToDb = powerToDb;
        TopDb = topDb;
        MagPower = magPower;
        MinPower = minPower;
        RefPower = refPower;
    }

    /// <summary>The most mel bins a layer accepts.</summary>
    public const int MaxMelBins = 1024;

    /// <inheritdoc/>
    public override string TypeName => "MelSpectrogram";
    /// <summary>The FFT size.</summary>
    public int FftLength { get; }
    /// <summary>Samples between frame starts.</summary>
    public int SequenceStride { get; }
    /// <summary>Samples per frame.</summary>
    public int SequenceLength { get; }
    /// <summary>The window each frame is multiplied by (symmetric, as Keras's).</summary>
    public StftWindow Window { get; }
    /// <summary>The signal's sampling rate in Hz.</summary>
    public float SamplingRate { get; }
    /// <summary>Mel filters: the features per frame.</summary>
    public int NumMelBins { get; }
    /// <summary>Lowest filter edge in Hz.</summary>
    public float MinFreq { get; }
    /// <summary>Highest filter edge in Hz.</summary>
    public float MaxFreq { get; }
    /// <summary>Whether the output is in decibels.</summary>
    public bool PowerToDb { get; }
    /// <summary>The decibel floor below each sample's maximum; null: none.</summary>
    public float? TopDb { get; }
    /// <summary>The exponent of the magnitude.</summary>
    public float MagPower { get; }
    /// <summary>The floor before the logarithm.</summary>
    public float MinPower { get; }
    /// <summary>The power that maps to 0 dB.</summary>
    public float RefPower { get; }

    internal float[] WindowWeights => _window ??= StftWindows.Weights(Window, SequenceLength, periodic: false);

    /// <summary>The (FftLength/2 + 1, NumMelBins) filter bank, row-major.</summary>
    internal float[] Filters => _filters ??= MelSpectrogramWeights.Matrix(FftLength / 2 + 1, NumMelBins, SamplingRate, MinFreq, MaxFreq);

    /// <summary>10·log₁₀(max(refPower, minPower)): what the decibels are measured from.</summary>
    internal float ReferenceDb => 10f * MathF.Log10(MathF.Max(RefPower, MinPower));

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        int samples = StftSpectrogramFrames.Samples(this, inputShape, SequenceLength);
        return new Shape(FftSpectrogram.FrameCount(samples, SequenceLength, SequenceStride), NumMelBins);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var spectrum = StftSpectrogramFrames.Magnitudes(this, x, SequenceLength, SequenceStride, FftLength, WindowWeights, MagPower);
        int batch = spectrum.Shape[0], frames = spectrum.Shape[1], bins = spectrum.Shape[2];
        var mel = Tensor.Empty(new Shape(batch, frames, NumMelBins));
        Gemm.Multiply(false, false, batch * frames, NumMelBins, bins, spectrum.Span, bins, Filters, NumMelBins, mel.Span, NumMelBins, accumulate: false);
        if (PowerToDb) ToDecibels(mel.Span, batch, frames * NumMelBins);
        return mel;
    }

    private void ToDecibels(Span<float> values, int batch, int perSample)
    {
        float reference = ReferenceDb;
        for (int b = 0; b < batch; b++)
        {
            var sample = values.Slice(b * perSample, perSample);
            float peak = float.NegativeInfinity;
            for (int i = 0; i < sample.Length; i++)
            {
                float db = 10f * MathF.Log10(MathF.Max(sample[i], MinPower)) - reference;
                sample[i] = db;
                if (db > peak) peak = db;
            }
            if (TopDb is { } top)
            {
                float floor = peak - top;
                for (int i = 0; i < sample.Length; i++) if (sample[i] < floor) sample[i] = floor;
            }
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["fft_length"] = FftLength;
        config["sequence_stride"] = SequenceStride;
        config["sequence_length"] = SequenceLength;
        config["window"] = StftWindows.ToName(Window);
        config["sampling_rate"] = SamplingRate;
        config["num_mel_bins"] = NumMelBins;
        config["min_freq"] = MinFreq;
        config["max_freq"] = MaxFreq;
        config["power_to_db"] = PowerToDb;
        config["top_db"] = TopDb is { } t ? JsonValue.Create(t) : null;
        config["mag_power"] = MagPower;
        config["min_power"] = MinPower;
        config["ref_power"] = RefPower;
        return config;
    }

    internal static MelSpectrogram FromConfig(LayerConfig c)
    {
        const int maxSize = StftSpectrogramFrames.MaxFftLength;
        int fft = c.Int("fft_length", 2048, 1, maxSize);
        if (!StftSpectrogramFrames.IsPowerOfTwo(fft)) throw c.Error("fft_length", $"must be a power of two, got {fft}");
        int? length = c.OptionalInt("sequence_length", 1, fft);
        float rate = c.Float("sampling_rate", 16000f, 1f, 1e6f);
        float minFreq = c.Float("min_freq", 20f, 0f, rate / 2);
        float? maxFreq = c.Has("max_freq") ? c.Float("max_freq", rate / 2, 0f, rate / 2) : null;
        if (minFreq >= (maxFreq ?? rate / 2)) throw c.Error("min_freq", $"must be below max_freq {maxFreq ?? rate / 2}, got {minFreq}");
        float? topDb = c.Has("top_db") ? c.Float("top_db", 80f, float.Epsilon, float.MaxValue) : null;
        return new(fft, c.Int("sequence_stride", 512, 1, maxSize), length, c.Named("window", "hann", StftWindows.Parse), rate,
            c.Int("num_mel_bins", 128, 1, MaxMelBins), minFreq, maxFreq, c.Bool("power_to_db", true), topDb,
            c.Float("mag_power", 2f, float.Epsilon, 4f), c.Float("min_power", 1e-10f, float.Epsilon, float.MaxValue),
            c.Float("ref_power", 1f, float.Epsilon, float.MaxValue), c.Name, c.Shape("input_shape"));
    }
}
