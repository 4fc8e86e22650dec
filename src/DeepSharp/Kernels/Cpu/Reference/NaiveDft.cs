namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="Fft"/>: the DFT by its definition, summed in double.</summary>
internal static class NaiveDft
{
    /// <summary>re[k] + i·im[k] = Σₜ x[t]·e^{−2πikt/n} for k = 0..n/2.</summary>
    public static void Real(ReadOnlySpan<float> x, Span<float> re, Span<float> im)
    {
        int n = x.Length;
        for (int k = 0; k <= n / 2; k++)
        {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++)
            {
                // (k·t) mod n keeps the angle small, so cos/sin stay exact for large n.
                double angle = -2.0 * Math.PI * ((long)k * t % n) / n;
                sr += x[t] * Math.Cos(angle);
                si += x[t] * Math.Sin(angle);
            }
            re[k] = (float)sr;
            im[k] = (float)si;
        }
    }
}
