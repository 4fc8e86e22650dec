namespace DeepSharp.Bench.Harness;

/// <summary>Median and spread of repeated measurements (quartiles by linear interpolation).</summary>
internal readonly record struct Stats(double Median, double Min, double Max, double Q1, double Q3, int Count)
{
    public static Stats Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new Stats(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);
        var sorted = values.Order().ToArray();
        return new Stats(Quantile(sorted, 0.5), sorted[0], sorted[^1], Quantile(sorted, 0.25), Quantile(sorted, 0.75), sorted.Length);
    }

    public static Stats Single(double value) => Of([value]);

    /// <summary>Relative spread: (max − min) / median.</summary>
    public double RelativeRange => (Max - Min) / Median;

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
