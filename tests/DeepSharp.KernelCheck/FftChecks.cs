using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>The real FFT and the STFT magnitude kernel against their naive DFT twins.</summary>
public static class FftChecks
{
    /// <summary>Powers of two (the fast path) and the awkward sizes (the DFT fallback), 0 to 4096.</summary>
    public static void RealFftMatchesNaiveDft()
    {
        int seed = 0;
        var sizes = Check.AwkwardSizes.Concat([4, 256, 512, 1024, 4096]).Distinct();
        foreach (int n in sizes)
        {
            var x = Check.Random(n, ++seed);
            int bins = n / 2 + 1;
            var re1 = new float[bins]; var im1 = new float[bins];
            var re2 = Check.Random(bins, ++seed); var im2 = Check.Random(bins, ++seed); // garbage the kernel must overwrite
            NaiveDft.Real(x, re1, im1);
            Fft.Real(x, re2, im2, new float[Math.Max(1, n)]);
            float atol = 2e-6f * MathF.Sqrt(n) * MathF.Max(1, MathF.Log2(Math.Max(2, n))) + 1e-6f;
            Check.Close(re1, re2, 1e-5f, atol, $"FFT of {n} samples, real parts");
            Check.Close(im1, im2, 1e-5f, atol, $"FFT of {n} samples, imaginary parts");
        }
    }

    /// <summary>An impulse and a cosine at a bin: exact spectra known in closed form.</summary>
    public static void KnownSpectra()
    {
        foreach (int n in new[] { 2, 8, 64, 1024 })
        {
            int bins = n / 2 + 1;
            var re = new float[bins]; var im = new float[bins];
            var impulse = new float[n];
            impulse[0] = 1f;
            Fft.Real(impulse, re, im, new float[n]);
            Check.Close(Enumerable.Repeat(1f, bins).ToArray(), re, 0f, 1e-6f, $"impulse of {n}, real");
            Check.Close(new float[bins], im, 0f, 1e-6f, $"impulse of {n}, imaginary");

            int k0 = n / 4;
            var cosine = new float[n];
            for (int t = 0; t < n; t++) cosine[t] = (float)Math.Cos(2 * Math.PI * k0 * t / n);
            Fft.Real(cosine, re, im, new float[n]);
            var want = new float[bins];
            want[k0] = k0 == 0 || 2 * k0 == n ? n : n / 2f;
            Check.Close(want, re, 0f, 1e-4f * n, $"cosine at bin {k0} of {n}");
        }
    }

    public static void SpectrogramMatchesTwin()
    {
        int seed = 100;
        foreach (var (samples, frame, hop, fft) in new[] { (1, 1, 1, 1), (7, 3, 2, 4), (100, 16, 5, 16), (257, 31, 7, 32), (1000, 400, 160, 512), (33, 33, 1, 64), (10, 11, 1, 16) })
            foreach (int batch in new[] { 0, 1, 3 })
                foreach (float exponent in new[] { 1f, 2f, 0.5f })
                {
                    var x = Check.Random(batch * samples, ++seed);
                    var window = Check.Random(frame, ++seed);
                    int frames = FftSpectrogram.FrameCount(samples, frame, hop);
                    int bins = fft / 2 + 1;
                    var y1 = new float[batch * frames * bins];
                    var y2 = Check.Random(y1.Length, ++seed);
                    NaiveSpectrogram.Magnitude(x, batch, samples, frame, hop, fft, window, exponent, y1);
                    FftSpectrogram.Magnitude(x, batch, samples, frame, hop, fft, window, exponent, y2);
                    Check.Close(y1, y2, 1e-4f, 1e-4f * frame, $"STFT |X|^{exponent} of ({batch}, {samples}), frame {frame}, hop {hop}, FFT {fft}");
                }
    }
}
