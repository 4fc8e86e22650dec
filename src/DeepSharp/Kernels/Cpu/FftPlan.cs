using System.Collections.Concurrent;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// What a real FFT of size n (a power of two, n ≥ 2) precomputes once: the complex FFT of half size
/// m = n/2 (its bit-reversal permutation and twiddles e^{−2πik/m}), and the split twiddles
/// e^{−2πik/n} that turn the half-size complex spectrum into the real signal's spectrum.
/// Twiddles are computed in double and rounded once. Plans are shared by size across threads.
/// </summary>
internal sealed class FftPlan
{
    private static readonly ConcurrentDictionary<int, FftPlan> s_plans = new();

    private FftPlan(int n)
    {
        N = n;
        int m = n / 2;
        BitReverse = new int[m];
        int bits = 0;
        while ((1 << bits) < m) bits++;
        for (int i = 0; i < m; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            BitReverse[i] = r;
        }
        TwiddleRe = new float[Math.Max(1, m / 2)];
        TwiddleIm = new float[Math.Max(1, m / 2)];
        for (int k = 0; k < m / 2; k++)
        {
            double angle = -2.0 * Math.PI * k / m;
            TwiddleRe[k] = (float)Math.Cos(angle);
            TwiddleIm[k] = (float)Math.Sin(angle);
        }
        SplitRe = new float[m + 1];
        SplitIm = new float[m + 1];
        for (int k = 0; k <= m; k++)
        {
            double angle = -2.0 * Math.PI * k / n;
            SplitRe[k] = (float)Math.Cos(angle);
            SplitIm[k] = (float)Math.Sin(angle);
        }
    }

    /// <summary>The real signal's length.</summary>
    public int N { get; }
    /// <summary>(m) the bit-reversed index of each position of the half-size complex FFT.</summary>
    public int[] BitReverse { get; }
    /// <summary>(m/2) cos and sin of −2πk/m: the butterflies' twiddles (stage of span s uses every (m/s)-th).</summary>
    public float[] TwiddleRe { get; }
    /// <inheritdoc cref="TwiddleRe"/>
    public float[] TwiddleIm { get; }
    /// <summary>(m+1) cos and sin of −2πk/n: the real split's twiddles.</summary>
    public float[] SplitRe { get; }
    /// <inheritdoc cref="SplitRe"/>
    public float[] SplitIm { get; }

    /// <summary>Whether <paramref name="n"/> has a fast plan (a power of two, at least 2).</summary>
    public static bool Supports(int n) => n >= 2 && (n & (n - 1)) == 0;

    /// <summary>The shared plan for size <paramref name="n"/> (see <see cref="Supports"/>).</summary>
    public static FftPlan For(int n)
    {
        if (!Supports(n)) throw new ArgumentOutOfRangeException(nameof(n), n, "A real FFT plan needs a power of two ≥ 2.");
        return s_plans.GetOrAdd(n, static size => new FftPlan(size));
    }
}
