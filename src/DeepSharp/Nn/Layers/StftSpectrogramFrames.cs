using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What <see cref="StftSpectrogram"/> and <see cref="MelSpectrogram"/> share: the input contract (a
/// mono signal per sample, shape (samples) or (samples, 1)), the limits of their sizes, and the
/// kernel call that turns a batch of signals into (batch, frames, bins) magnitudes.
/// </summary>
internal static class StftSpectrogramFrames
{
    /// <summary>The largest FFT length a layer accepts (0.37 s at 22,050 Hz); it bounds the work and memory a config can ask for.</summary>
    public const int MaxFftLength = 8192;

    public static bool IsPowerOfTwo(int n) => n >= 1 && (n & (n - 1)) == 0;

    /// <summary>Checks frame, hop and FFT sizes (ArgumentOutOfRangeException naming the parameter).</summary>
    public static void CheckSizes(string type, int frameLength, int frameStep, int fftLength)
    {
        if (frameLength < 1 || frameLength > MaxFftLength)
            throw new ArgumentOutOfRangeException(nameof(frameLength), frameLength, $"{type} frame length must be in [1, {MaxFftLength}].");
        if (frameStep < 1 || frameStep > MaxFftLength)
            throw new ArgumentOutOfRangeException(nameof(frameStep), frameStep, $"{type} frame step must be in [1, {MaxFftLength}].");
        if (!IsPowerOfTwo(fftLength) || fftLength < frameLength || fftLength > MaxFftLength)
            throw new ArgumentOutOfRangeException(nameof(fftLength), fftLength,
                $"{type} FFT length must be a power of two, at least the frame length {frameLength} and at most {MaxFftLength}.");
    }

    /// <summary>The smallest power of two ≥ <paramref name="frameLength"/>.</summary>
    public static int DefaultFftLength(int frameLength)
    {
        int n = 1;
        while (n < frameLength && n < MaxFftLength) n <<= 1;
        return n;
    }

    /// <summary>The number of samples per signal of a per-sample input shape (samples) or (samples, 1).</summary>
    public static int Samples(Layer layer, Shape inputShape, int frameLength)
    {
        bool mono = inputShape.Rank == 1 || (inputShape.Rank == 2 && inputShape[1] == 1);
        if (!mono || inputShape[0] < frameLength)
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects a mono signal of at least one frame, " +
                $"(None, samples ≥ {frameLength}) or (None, samples, 1), got {inputShape.ToBatchString()}.");
        return inputShape[0];
    }

    /// <summary>(batch, frames, fftLength/2 + 1) values |STFT|^exponent of the batch <paramref name="x"/>.</summary>
    /// <exception cref="DeepSharpException">The input requires a gradient: the spectrogram layers have no backward pass.</exception>
    public static Tensor Magnitudes(Layer layer, Tensor x, int frameLength, int frameStep, int fftLength, float[] window, float exponent)
    {
        if (x.RequiresGrad && !NoGrad.IsActive)
            throw new DeepSharpException($"Layer '{layer.Name}' ({layer.TypeName}) has no gradient: it is a fixed audio front end and must come " +
                "before any trainable layer (first in the model, as in Keras), but its input requires a gradient.");
        if (x.DType != DType.Float32)
            throw new DeepSharpException($"Layer '{layer.Name}' ({layer.TypeName}) expects float32 samples, got {x.DType}.");
        int samples = Samples(layer, x.Shape.WithoutBatch(), frameLength);
        int batch = x.Shape[0];
        int frames = FftSpectrogram.FrameCount(samples, frameLength, frameStep);
        int bins = fftLength / 2 + 1;
        var output = Tensor.Empty(new Shape(batch, frames, bins));
        FftSpectrogram.Magnitude(x.Span, batch, samples, frameLength, frameStep, fftLength, window, exponent, output.Span);
        return output;
    }
}
