namespace DeepSharp.Compression;

/// <summary>
/// The values one quantized layer's input took during calibration: the exact minimum and maximum,
/// and a uniform sample (reservoir sampling, fixed seed) for the Percentile, MSE and Entropy methods; then
/// the u8 scale and zero point chosen from them.
/// </summary>
internal sealed class ActivationRange(int capacity, int seed)
{
    private readonly float[] _sample = new float[Math.Max(1, capacity)];
    private readonly Random _random = new(seed);
    private long _seen;

    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;

    public void Observe(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            if (v < Min) Min = v;
            if (v > Max) Max = v;
            if (_seen < _sample.Length) _sample[_seen] = v;
            else
            {
                long slot = _random.NextInt64(_seen + 1);
                if (slot < _sample.Length) _sample[slot] = v;
            }
            _seen++;
        }
    }

    /// <summary>The u8 scale and zero point of the chosen range, which always holds 0.0 exactly.</summary>
    public (float Scale, int ZeroPoint) Choose(QuantizationOptions options)
    {
        if (_seen == 0) return (1f, 0);
        var (lo, hi) = options.Method switch
        {
            CalibrationMethod.Percentile => PercentileRange(options.Percentile),
            CalibrationMethod.Mse => MseRange(),
            CalibrationMethod.Entropy => EntropyRange(),
            _ => (Min, Max),
        };
        return Affine(lo, hi);
    }

    /// <summary>scale = (hi − lo)/255 with lo ≤ 0 ≤ hi; zero point round(−lo/scale).</summary>
    internal static (float Scale, int ZeroPoint) Affine(float lo, float hi)
    {
        lo = Math.Min(lo, 0f);
        hi = Math.Max(hi, 0f);
        float scale = (hi - lo) / 255f;
        if (!(scale > 0f) || !float.IsFinite(scale)) return (1f, 0);
        int zeroPoint = (int)Math.Clamp(MathF.Round(-lo / scale), 0f, 255f);
        return (scale, zeroPoint);
    }

    private float[] Sorted()
    {
        var sorted = _sample.AsSpan(0, (int)Math.Min(_seen, _sample.Length)).ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private (float, float) PercentileRange(double percentile)
    {
        var sorted = Sorted();
        double tail = (100.0 - percentile) / 100.0;
        // Non-negative data (after a ReLU) clips only at the top; signed data at both ends.
        bool signed = Min < 0f;
        double lowQ = signed ? tail / 2 : 0, highQ = signed ? 1 - tail / 2 : 1 - tail;
        return (Min >= 0f ? 0f : Quantile(sorted, lowQ), Quantile(sorted, highQ));
    }

    private static float Quantile(float[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(sorted.Length - 1, below + 1);
        return (float)(sorted[below] + (sorted[above] - sorted[below]) * (position - below));
    }

    /// <summary>
    /// <see cref="EntropyCalibration"/> on the sample: data ≥ 0 get [0, T] with 255 levels; signed
    /// data ±T with 128 levels per side, cut to the observed min and max.
    /// </summary>
    private (float, float) EntropyRange()
    {
        var values = _sample.AsSpan(0, (int)Math.Min(_seen, _sample.Length));
        if (Min >= 0f) return (0f, EntropyCalibration.Threshold(values, 255));
        float t = EntropyCalibration.Threshold(values, 128);
        return (Math.Max(Min, -t), Math.Min(Max, t));
    }

    /// <summary>Shrinks the min/max range by factors 1, 0.99, …, 0.2 and keeps the one of least squared error.</summary>
    private (float, float) MseRange()
    {
        var values = Sorted();
        float bestLo = Min, bestHi = Max;
        double bestError = double.PositiveInfinity;
        for (int step = 0; step <= 80; step++)
        {
            float factor = 1f - step * 0.01f;
            float lo = Math.Min(Min, 0f) * factor, hi = Math.Max(Max, 0f) * factor;
            var (scale, zp) = Affine(lo, hi);
            double error = SquaredError(values, scale, zp);
            if (error < bestError) (bestError, bestLo, bestHi) = (error, lo, hi);
        }
        return (bestLo, bestHi);
    }

    /// <summary>Σ (dequantize(quantize(v)) − v)² over <paramref name="values"/>.</summary>
    internal static double SquaredError(ReadOnlySpan<float> values, float scale, int zeroPoint)
    {
        double error = 0;
        foreach (float v in values)
        {
            float q = Math.Clamp(MathF.Round(v / scale) + zeroPoint, 0f, 255f);
            double d = (q - zeroPoint) * scale - v;
            error += d * d;
        }
        return error;
    }
}
