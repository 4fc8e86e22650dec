namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="FftSpectrogram"/>: each frame windowed, zero-padded and transformed by <see cref="NaiveDft"/>.</summary>
internal static class NaiveSpectrogram
{
    public static void Magnitude(ReadOnlySpan<float> signal, int batch, int samples, int frameLength, int hop, int fftLength,
        ReadOnlySpan<float> window, float exponent, Span<float> output)
    {
        int frames = FftSpectrogram.FrameCount(samples, frameLength, hop);
        int bins = fftLength / 2 + 1;
        var frame = new float[fftLength];
        var re = new float[bins];
        var im = new float[bins];
        for (int b = 0; b < batch; b++)
            for (int f = 0; f < frames; f++)
            {
                Array.Clear(frame);
                for (int t = 0; t < frameLength; t++) frame[t] = signal[b * samples + f * hop + t] * window[t];
                NaiveDft.Real(frame, re, im);
                for (int k = 0; k < bins; k++)
                {
                    double p = (double)re[k] * re[k] + (double)im[k] * im[k];
                    output[(b * frames + f) * bins + k] = (float)Math.Pow(p, 0.5 * exponent);
                }
            }
    }
}
