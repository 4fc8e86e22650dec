using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The real-input discrete Fourier transform X[k] = Σₜ x[t]·e^{−2πikt/n}, k = 0..n/2 (the bins a real
/// signal's spectrum needs; the rest are their conjugates).
/// </summary>
/// <remarks>
/// Implementation notes. For n a power of two: pack the even and odd samples as one complex signal
/// z[j] = x[2j] + i·x[2j+1] of length m = n/2, transform it with an iterative radix-2
/// decimation-in-time FFT (bit-reversal permutation, then log₂m butterfly stages), and split:
/// with E = (Z[k] + conj Z[m−k])/2 and O = (Z[k] − conj Z[m−k])/(2i) (the spectra of the even and of the
/// odd samples), X[k] = E + e^{−2πik/n}·O for k = 0..m (Z[m] ≡ Z[0]). Cost about (n/2)·log₂(n/2)
/// complex multiply-adds; float32 rounding error grows as log₂n·ε·‖x‖. Any other n (0, 1, primes,
/// ...) falls back to the naive O(n²) DFT in double, <see cref="NaiveDft"/>, which is also the test
/// oracle. Source: Press et al., Numerical Recipes, §12.3 ("FFT of real functions").
/// </remarks>
internal static class Fft
{
    /// <summary>
    /// Writes the n/2 + 1 bins of <paramref name="x"/>'s spectrum (n = x.Length) into
    /// <paramref name="re"/> and <paramref name="im"/>; <paramref name="scratch"/> holds at least n floats.
    /// </summary>
    public static void Real(ReadOnlySpan<float> x, Span<float> re, Span<float> im, Span<float> scratch)
    {
        int n = x.Length;
        int bins = n / 2 + 1;
        if (re.Length < bins || im.Length < bins || (n > 0 && scratch.Length < n))
            throw new ArgumentException($"A real FFT of {n} samples needs {bins} bins and {n} floats of scratch.");
        if (!FftPlan.Supports(n))
        {
            NaiveDft.Real(x, re, im);
            return;
        }
        var plan = FftPlan.For(n);
        int m = n / 2;
        var zr = scratch[..m];
        var zi = scratch.Slice(m, m);
        var rev = plan.BitReverse;
        for (int j = 0; j < m; j++)
        {
            int r = rev[j];
            zr[r] = x[2 * j];
            zi[r] = x[2 * j + 1];
        }
        Butterflies(zr, zi, plan);
        Split(zr, zi, plan, re, im);
    }

    /// <summary>
    /// In-place radix-2 stages over bit-reversed (<paramref name="zr"/>, <paramref name="zi"/>). The first
    /// stage (twiddle 1) is a plain sum and difference; the others read the twiddles at stride m/(2·span).
    /// Pointers: the loops are the kernel's whole cost and their indices stay inside [0, m) by construction.
    /// </summary>
    private static unsafe void Butterflies(Span<float> zr, Span<float> zi, FftPlan plan)
    {
        int m = zr.Length;
        fixed (float* xr = zr, xi = zi, wr = plan.TwiddleRe, wi = plan.TwiddleIm)
        {
            for (int a = 0; a + 1 < m; a += 2)
            {
                float br = xr[a + 1], bi = xi[a + 1];
                xr[a + 1] = xr[a] - br;
                xi[a + 1] = xi[a] - bi;
                xr[a] += br;
                xi[a] += bi;
            }
            for (int span = 2; span < m; span <<= 1)
            {
                int stride = m / (2 * span); // twiddle index step for this stage
                for (int start = 0; start < m; start += 2 * span)
                {
                    float* ar = xr + start, ai = xi + start, br = ar + span, bi = ai + span;
                    for (int j = 0; j < span; j++)
                    {
                        float cr = wr[j * stride], ci = wi[j * stride];
                        float tr = br[j] * cr - bi[j] * ci;
                        float ti = br[j] * ci + bi[j] * cr;
                        br[j] = ar[j] - tr;
                        bi[j] = ai[j] - ti;
                        ar[j] += tr;
                        ai[j] += ti;
                    }
                }
            }
        }
    }

    /// <summary>The real signal's bins 0..m from the half-size complex spectrum Z.</summary>
    private static void Split(ReadOnlySpan<float> zr, ReadOnlySpan<float> zi, FftPlan plan, Span<float> re, Span<float> im)
    {
        int m = zr.Length;
        var sr = plan.SplitRe;
        var si = plan.SplitIm;
        for (int k = 0; k <= m; k++)
        {
            int a = k == m ? 0 : k;
            int b = k == 0 ? 0 : m - k;
            float ar = zr[a], ai = zi[a];
            float br = zr[b], bi = -zi[b]; // conj Z[m−k]
            float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
            // O = (Z[k] − conj Z[m−k]) / (2i) = (dᵢ − i·dᵣ)/2 where d = Z[k] − conj Z[m−k]
            float dr = ar - br, di = ai - bi;
            float odr = 0.5f * di, odi = -0.5f * dr;
            re[k] = er + sr[k] * odr - si[k] * odi;
            im[k] = ei + sr[k] * odi + si[k] * odr;
        }
    }
}
