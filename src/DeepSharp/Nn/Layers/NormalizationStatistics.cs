using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// <see cref="Normalization"/>'s statistics: Adapt's running sums over batches, and the checks of statistics given,
/// read from a config or loaded from a file. Implementation notes: each kept position sums x − s and (x − s)² in
/// double, s its first value seen (a shift that keeps the variance E[(x−s)²] − E[x−s]² free of cancellation for data
/// far from 0); the variance is the population one (divided by the count), as Keras's adapt.
/// </summary>
internal sealed class NormalizationStatistics
{
    /// <summary>The most values a config's mean or variance list may hold.</summary>
    public const int MaxConfigValues = 1 << 16;

    private readonly int[] _keptIndex; // per-sample element → its kept position
    private readonly double[] _sum, _squares, _shift;
    private readonly long[] _count;
    private bool _shifted;

    public NormalizationStatistics(Shape broadcast, Shape perSample)
    {
        int kept = 1;
        for (int a = 1; a < broadcast.Rank; a++) kept *= broadcast[a];
        (_sum, _squares, _shift, _count) = (new double[kept], new double[kept], new double[kept], new long[kept]);
        // Row-major odometer over the per-sample shape; the kept index advances on kept axes only.
        _keptIndex = new int[perSample.Size];
        var coordinates = new int[perSample.Rank];
        for (int e = 0; e < _keptIndex.Length; e++)
        {
            int k = 0;
            for (int a = 0; a < perSample.Rank; a++) k = k * broadcast[a + 1] + (broadcast[a + 1] == 1 ? 0 : coordinates[a]);
            _keptIndex[e] = k;
            for (int a = perSample.Rank - 1; a >= 0 && ++coordinates[a] == perSample[a]; a--) coordinates[a] = 0;
        }
    }

    /// <summary>Samples added so far.</summary>
    public long Samples { get; private set; }

    /// <summary>Adds a batch (samples × the per-sample shape, row-major).</summary>
    public void Add(ReadOnlySpan<float> batch)
    {
        int perSample = _keptIndex.Length;
        if (perSample == 0) return;
        if (!_shifted && batch.Length >= perSample)
        {
            for (int e = 0; e < perSample; e++) _shift[_keptIndex[e]] = batch[e];
            _shifted = true;
        }
        for (int start = 0; start + perSample <= batch.Length; start += perSample)
        {
            for (int e = 0; e < perSample; e++)
            {
                int k = _keptIndex[e];
                double d = batch[start + e] - _shift[k];
                _sum[k] += d;
                _squares[k] += d * d;
                _count[k]++;
            }
            Samples++;
        }
    }

    /// <summary>Writes the mean and variance; throws when data held a value that is not finite.</summary>
    public void Write(Span<float> mean, Span<float> variance, string who)
    {
        for (int k = 0; k < mean.Length; k++)
        {
            double n = Math.Max(_count[k], 1), m = _sum[k] / n;
            double v = Math.Max(_squares[k] / n - m * m, 0.0);
            if (!double.IsFinite(m + _shift[k]) || !double.IsFinite(v))
                throw new ArgumentException($"{who}: the data given to Adapt holds a value that is not finite (NaN or infinity) at kept position {k}.");
            mean[k] = (float)(m + _shift[k]);
            variance[k] = (float)v;
        }
    }

    /// <summary>Checks statistics given by a caller or a config: one mean per variance, every value finite, no variance negative.</summary>
    public static void Check(ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, string who)
    {
        if (mean.Length == 0) throw new ArgumentException($"{who}: mean is empty; give one value, or one per position of the kept axes.", "mean");
        if (mean.Length != variance.Length)
            throw new ArgumentException($"{who}: mean has {mean.Length} values but variance {variance.Length}; give one variance per mean.", "variance");
        for (int i = 0; i < mean.Length; i++)
        {
            if (!float.IsFinite(mean[i])) throw new ArgumentException($"{who}: mean[{i}] is {mean[i]}, not a finite number.", "mean");
            if (!float.IsFinite(variance[i]) || variance[i] < 0f)
                throw new ArgumentException($"{who}: variance[{i}] is {variance[i]}; a variance is a finite number ≥ 0.", "variance");
        }
    }

    /// <summary>
    /// Why <paramref name="values"/> from a file cannot be a variance (a NaN, an infinity or a negative value, which would
    /// make every output NaN), or null: a <see cref="Parameter.BeforeLoad"/> check, run before any weight of the file is copied.
    /// </summary>
    public static string? VarianceRefusal(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]) || values[i] < 0f)
                return $"variance[{i}] is {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}; a variance is a finite number ≥ 0";
        return null;
    }

    /// <summary>
    /// max(√variance, 1e-7) per position into <paramref name="std"/> (null: check only), after checking the statistics:
    /// finite means, finite variances ≥ 0 (a file or SetWeights may hold anything).
    /// </summary>
    public static void StandardDeviation(ReadOnlySpan<float> variance, ReadOnlySpan<float> mean, Span<float> std, string who)
    {
        for (int i = 0; i < variance.Length; i++)
        {
            float v = variance[i];
            if (!float.IsFinite(mean[i])) throw new ArgumentException($"{who}: mean[{i}] is {mean[i]}, not a finite number.");
            if (!float.IsFinite(v) || v < 0f) throw new ArgumentException($"{who}: variance[{i}] is {v}; a variance is a finite number ≥ 0.");
            if (!std.IsEmpty) std[i] = MathF.Max(MathF.Sqrt(v), Normalization.MinStandardDeviation);
        }
    }

    /// <summary>A config's list of numbers (Keras writes the given mean and variance as lists; a single number is one value), or null when missing.</summary>
    public static float[]? ReadList(LayerConfig c, string key)
    {
        var node = c.Json[key];
        if (node is null) return null;
        if (node is JsonValue) return [c.RequiredFloat(key)];
        if (node is not JsonArray array) throw c.Error(key, "must be a number or a list of numbers");
        if (array.Count is 0 or > MaxConfigValues) throw c.Error(key, $"holds {array.Count} values; 1 to {MaxConfigValues} are read");
        var values = new float[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            float f;
            try { f = array[i] is JsonValue v ? v.GetValue<float>() : throw new FormatException(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw c.Error(key, $"holds a value at [{i}] that is not a number"); }
            if (!float.IsFinite(f)) throw c.Error(key, $"holds {f} at [{i}], not a finite float");
            values[i] = f;
        }
        return values;
    }
}
