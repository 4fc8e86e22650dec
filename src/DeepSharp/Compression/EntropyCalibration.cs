namespace DeepSharp.Compression;

/// <summary>
/// Entropy (KL-divergence) calibration as TensorRT's IInt8EntropyCalibrator: a histogram of |x|
/// in <see cref="Bins"/> bins over [0, max|x|]; for each candidate threshold i (in bins) the
/// reference distribution P is the first i bins with everything beyond folded into the last, Q is
/// those i bins merged into the number of quantization levels and spread back evenly over the
/// bins that were not empty; the threshold whose KL(P ‖ Q) is least wins.
/// </summary>
/// <remarks>
/// Data ≥ 0 (after a ReLU) use all 255 steps of u8 on [0, T]; signed data get 127 levels per side
/// of the zero point, so the threshold is searched with 128 levels on |x| (as TensorRT's int8).
/// </remarks>
internal static class EntropyCalibration
{
    /// <summary>Histogram bins over [0, max|x|] (TensorRT's 2048).</summary>
    public const int Bins = 2048;

    /// <summary>The threshold T (≤ max|x|) of least KL divergence for <paramref name="levels"/> quantization levels.</summary>
    public static float Threshold(ReadOnlySpan<float> values, int levels)
    {
        float top = 0f;
        foreach (float v in values)
            if (float.IsFinite(v)) top = Math.Max(top, Math.Abs(v));
        if (!(top > 0f)) return 0f;
        var histogram = new double[Bins];
        double width = top / Bins;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            int bin = (int)(Math.Abs(v) / width);
            histogram[Math.Min(bin, Bins - 1)]++;
        }
        int best = Bins;
        double bestDivergence = double.PositiveInfinity;
        var p = new double[Bins];
        var q = new double[Bins];
        for (int i = levels; i <= Bins; i++)
        {
            double divergence = Divergence(histogram, i, levels, p, q);
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = i;
            }
        }
        return (float)Math.Min(top, (best + 0.5) * width);
    }

    /// <summary>KL(P ‖ Q) of the first <paramref name="i"/> bins (outliers folded into bin i − 1) against their <paramref name="levels"/>-level quantization.</summary>
    internal static double Divergence(double[] histogram, int i, int levels, double[] p, double[] q)
    {
        double outliers = 0;
        for (int j = i; j < histogram.Length; j++) outliers += histogram[j];
        for (int j = 0; j < i; j++) p[j] = histogram[j];
        p[i - 1] += outliers;
        // Merge the i bins into `levels` groups (the last group takes the remainder), then spread
        // each group's count evenly over its bins that held any value.
        double perLevel = (double)i / levels;
        for (int level = 0; level < levels; level++)
        {
            int start = (int)(level * perLevel);
            int stop = level == levels - 1 ? i : (int)((level + 1) * perLevel);
            double sum = 0;
            int nonEmpty = 0;
            for (int j = start; j < stop; j++)
            {
                sum += histogram[j];
                if (histogram[j] != 0) nonEmpty++;
            }
            for (int j = start; j < stop; j++) q[j] = histogram[j] != 0 ? sum / nonEmpty : 0;
        }
        double pTotal = 0, qTotal = 0;
        for (int j = 0; j < i; j++)
        {
            pTotal += p[j];
            qTotal += q[j];
        }
        if (pTotal == 0 || qTotal == 0) return double.PositiveInfinity;
        double divergence = 0;
        for (int j = 0; j < i; j++)
        {
            if (p[j] == 0) continue;
            double pj = p[j] / pTotal;
            // A bin P holds but Q left empty (only the folded outliers can do that): TensorRT
            // smooths Q; here it costs as if Q held a tenth of one value there.
            double qj = q[j] > 0 ? q[j] / qTotal : 0.1 / qTotal;
            divergence += pj * Math.Log(pj / qj);
        }
        return divergence;
    }
}
