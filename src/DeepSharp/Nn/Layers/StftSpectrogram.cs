using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's STFTSpectrogram: the short-time Fourier transform of a mono signal as a layer, with no
/// weights. Input (batch, samples) or (batch, samples, 1); output (batch, frames, fftLength/2 + 1),
/// frames = 1 + (samples − frameLength)/frameStep ("valid" framing, no padding). Each frame is
/// multiplied by the window, zero-padded at its end to <see cref="FftLength"/> and transformed by a
/// real FFT. It has no gradient: put it first in a model (an input that requires a gradient is refused).
/// </summary>
public sealed class StftSpectrogram : Layer
{
    private float[]? _window;

    /// <param name="mode">What each bin holds: magnitude, power (psd) or log power.</param>
    /// <param name="frameLength">Samples per frame (Keras's <c>frame_length</c>), 1 to 8192.</param>
    /// <param name="frameStep">Samples between frame starts (the hop); null: frameLength/4 (at least 1), Keras's default.</param>
    /// <param name="fftLength">FFT size, a power of two ≥ frameLength and ≤ 8192; null: the smallest such power.</param>
    /// <param name="window">The window applied to each frame.</param>
    /// <param name="periodic">A periodic window (as spectral analysis uses) instead of a symmetric one (Keras's default).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, (samples) or (samples, 1), for a Sequential model's first layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of its range.</exception>
    public StftSpectrogram(StftMode mode = StftMode.Log, int frameLength = 256, int? frameStep = null, int? fftLength = null,
        StftWindow window = StftWindow.Hann, bool periodic = false, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Mode = mode;
        FrameLength = frameLength;
        FrameStep = frameStep ?? Math.Max(1, frameLength / 4);
        FftLength = fftLength ?? StftSpectrogramFrames.DefaultFftLength(frameLength);
        StftSpectrogramFrames.CheckSizes(TypeName, FrameLength, FrameStep, FftLength);
        Window = window;
        Periodic = periodic;
    }

    /// <inheritdoc/>
    public override string TypeName => "STFTSpectrogram";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "stft_spectrogram";
    /// <summary>What each bin holds.</summary>
    public StftMode Mode { get; }
    /// <summary>Samples per frame.</summary>
    public int FrameLength { get; }
    /// <summary>Samples between the starts of consecutive frames.</summary>
    public int FrameStep { get; }
    /// <summary>The FFT size; the output has FftLength/2 + 1 bins.</summary>
    public int FftLength { get; }
    /// <summary>The window each frame is multiplied by.</summary>
    public StftWindow Window { get; }
    /// <summary>Whether the window is periodic (else symmetric).</summary>
    public bool Periodic { get; }

    /// <summary>The window's weights (FrameLength of them).</summary>
    internal float[] WindowWeights => _window ??= StftWindows.Weights(Window, FrameLength, Periodic);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        int samples = StftSpectrogramFrames.Samples(this, inputShape, FrameLength);
        return new Shape(FftSpectrogram.FrameCount(samples, FrameLength, FrameStep), FftLength / 2 + 1);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var y = StftSpectrogramFrames.Magnitudes(this, x, FrameLength, FrameStep, FftLength, WindowWeights, Mode == StftMode.Magnitude ? 1f : 2f);
        if (Mode == StftMode.Log)
        {
            var span = y.Span;
            for (int i = 0; i < span.Length; i++) span[i] = MathF.Log(MathF.Max(span[i], LogFloor));
        }
        return y;
    }

    /// <summary>The floor of the power before its logarithm in <see cref="StftMode.Log"/>.</summary>
    public const float LogFloor = 1e-10f;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["mode"] = ModeName(Mode);
        config["frame_length"] = FrameLength;
        config["frame_step"] = FrameStep;
        config["fft_length"] = FftLength;
        config["window"] = StftWindows.ToName(Window);
        config["periodic"] = Periodic;
        return config;
    }

    private static string ModeName(StftMode mode) => mode switch
    {
        StftMode.Magnitude => "magnitude",
        StftMode.Psd => "psd",
        _ => "log",
    };

    private static StftMode ParseMode(string name) => name switch
    {
        "magnitude" => StftMode.Magnitude,
        "psd" => StftMode.Psd,
        "log" => StftMode.Log,
        _ => throw new DeepSharpException($"unknown mode '{TerminalText.Escape(name)}' (known: magnitude, psd, log)."),
    };

    internal static StftSpectrogram FromConfig(LayerConfig c)
    {
        int frameLength = c.Int("frame_length", 256, 1, StftSpectrogramFrames.MaxFftLength);
        int? fft = c.OptionalInt("fft_length", 1, StftSpectrogramFrames.MaxFftLength);
        if (fft is { } n && (!StftSpectrogramFrames.IsPowerOfTwo(n) || n < frameLength))
            throw c.Error("fft_length", $"must be a power of two at least frame_length {frameLength}, got {n}");
        return new(c.Named("mode", "log", ParseMode), frameLength, c.OptionalInt("frame_step", 1, StftSpectrogramFrames.MaxFftLength), fft,
            c.Named("window", "hann", StftWindows.Parse), c.Bool("periodic", false), c.Name, c.Shape("input_shape"));
    }
}
