namespace DeepSharp.Data.Audio;

/// <summary>
/// Changes a signal's sample rate by band-limited (windowed-sinc) interpolation: output sample j sits
/// at input time t = j·from/to and is Σᵢ x[i]·c·sinc(c·(t − i))·hann((t − i)/half-width), with
/// c = min(1, to/from) the cut-off (so a lower rate is low-pass filtered first, without aliasing) and
/// a half-width of <see cref="ZeroCrossings"/> zero crossings of the sinc. Exact for DC away from the
/// edges; the output has ⌈n·to/from⌉ samples.
/// </summary>
public static class AudioResampler
{
    /// <summary>Zero crossings of the interpolating sinc on each side.</summary>
    public const int ZeroCrossings = 16;

    /// <summary>The signal resampled from <paramref name="fromRate"/> to <paramref name="toRate"/> Hz (a copy when the rates agree).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is outside [1, <see cref="WavFile.MaxSampleRate"/>], or the output would exceed <see cref="Array.MaxLength"/> samples (use the overload with a maximum length).</exception>
    public static float[] Resample(ReadOnlySpan<float> x, int fromRate, int toRate) => Resample(x, fromRate, toRate, int.MaxValue);

    /// <summary>
    /// The first <paramref name="maxLength"/> samples (at most) of the signal resampled from <paramref name="fromRate"/>
    /// to <paramref name="toRate"/> Hz: the same values as the start of the whole output, computed and allocated
    /// for those samples alone (a short recording at 1 Hz upsampled to 16 kHz would otherwise allocate 16,000 floats
    /// per input sample before being trimmed to a model's input).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is outside [1, <see cref="WavFile.MaxSampleRate"/>], <paramref name="maxLength"/> is negative, or the output would exceed <see cref="Array.MaxLength"/> samples.</exception>
    public static float[] Resample(ReadOnlySpan<float> x, int fromRate, int toRate, int maxLength)
    {
        if (fromRate < 1 || fromRate > WavFile.MaxSampleRate) throw new ArgumentOutOfRangeException(nameof(fromRate), fromRate, "Resampling needs a rate in [1, 384000] Hz.");
        if (toRate < 1 || toRate > WavFile.MaxSampleRate) throw new ArgumentOutOfRangeException(nameof(toRate), toRate, "Resampling needs a rate in [1, 384000] Hz.");
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (fromRate == toRate) return x[..Math.Min(x.Length, maxLength)].ToArray();
        long fullLength = ((long)x.Length * toRate + fromRate - 1) / fromRate;
        long length = Math.Min(fullLength, maxLength);
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(x), x.Length, $"{x.Length} samples resampled from {fromRate} to {toRate} Hz would be {fullLength} samples, over the {Array.MaxLength} an array holds.");
        int outLength = (int)length;
        var y = new float[outLength];
        double cutoff = Math.Min(1.0, (double)toRate / fromRate);
        double halfWidth = ZeroCrossings / cutoff; // in input samples
        int reach = (int)Math.Ceiling(halfWidth);
        int taps = 2 * reach + 2;
        // Output j = q·phases + p sits at input time q·step + p·step/phases: the fractional offset, hence the
        // filter taps, depend on p alone, so each phase's taps are computed once.
        int g = Gcd(fromRate, toRate);
        int phases = toRate / g, step = fromRate / g;
        if ((long)phases * taps > 1 << 22) return Direct(x, fromRate, toRate, y, cutoff, halfWidth);
        var weights = new float[phases * taps];
        var bases = new int[phases];
        for (int p = 0; p < phases; p++)
        {
            long numerator = (long)p * step;
            bases[p] = (int)(numerator / phases);
            double fraction = (double)(numerator % phases) / phases;
            for (int r = 0; r < taps; r++) weights[p * taps + r] = (float)Tap(fraction + reach - r, cutoff, halfWidth);
        }
        for (int j = 0; j < outLength; j++)
        {
            int p = j % phases;
            long center = (long)(j / phases) * step + bases[p];
            long first = center - reach;
            var w = weights.AsSpan(p * taps, taps);
            double sum = 0;
            int r0 = (int)Math.Max(0, -first), r1 = (int)Math.Min(taps, x.Length - first);
            for (int r = r0; r < r1; r++) sum += x[(int)(first + r)] * w[r];
            y[j] = (float)sum;
        }
        return y;
    }

    /// <summary>The filter's weight at distance <paramref name="d"/> input samples (0 beyond the half-width).</summary>
    private static double Tap(double d, double cutoff, double halfWidth) =>
        Math.Abs(d) >= halfWidth ? 0.0 : cutoff * Sinc(cutoff * d) * (0.5 + 0.5 * Math.Cos(Math.PI * d / halfWidth));

    /// <summary>The definition, sample by sample (rates whose phase table would be too large).</summary>
    private static float[] Direct(ReadOnlySpan<float> x, int fromRate, int toRate, float[] y, double cutoff, double halfWidth)
    {
        for (int j = 0; j < y.Length; j++)
        {
            double t = (double)j * fromRate / toRate;
            int first = Math.Max(0, (int)Math.Ceiling(t - halfWidth));
            int last = Math.Min(x.Length - 1, (int)Math.Floor(t + halfWidth));
            double sum = 0;
            for (int i = first; i <= last; i++) sum += x[i] * Tap(t - i, cutoff, halfWidth);
            y[j] = (float)sum;
        }
        return y;
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static double Sinc(double v) => v == 0 ? 1.0 : Math.Sin(Math.PI * v) / (Math.PI * v);
}
