using DeepSharp.Compression;

namespace DeepSharp.Tests.Compression;

/// <summary>Entropy (KL) calibration on distributions whose right threshold is known.</summary>
public class EntropyCalibrationTests
{
    [Fact]
    public void UniformDataKeepTheirWholeRange()
    {
        // Every bin equally full: clipping only loses information, so the threshold is the maximum.
        var rng = new Random(1);
        var values = new float[200_000];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
        float t = EntropyCalibration.Threshold(values, 255);
        Assert.InRange(t, 0.97f, 1.0f);
    }

    [Fact]
    public void UniformBulkWithOutliersIsNotClipped()
    {
        // KL divergence is blind to merging bins of equal counts: uniform [0, 1] with 20 outliers at
        // 50..100 loses nothing when every 8 bins become one level, so nothing is clipped. (This
        // is TensorRT's algorithm, not a flaw of this copy: MSE or Percentile clip such outliers.)
        var rng = new Random(2);
        var values = new float[200_020];
        for (int i = 0; i < 200_000; i++) values[i] = (float)rng.NextDouble();
        for (int i = 0; i < 20; i++) values[200_000 + i] = 50f + 2.5f * i;
        Assert.True(EntropyCalibration.Threshold(values, 255) > 50f);
    }

    [Fact]
    public void ShapedBulkWithOutliersIsClipped()
    {
        // |N(0, 1)| with 20 outliers at 50..100: merging the bulk's bins into coarse levels loses its
        // shape, so the threshold falls as low as the search goes (255 of 2048 bins, 12.5) and
        // the outliers clip; the bulk (all below 5) is kept.
        var rng = new Random(7);
        var values = new float[200_020];
        for (int i = 0; i < 200_000; i++)
            values[i] = (float)Math.Abs(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        for (int i = 0; i < 20; i++) values[200_000 + i] = 50f + 2.5f * i;
        Assert.InRange(EntropyCalibration.Threshold(values, 255), 4.5f, 13f);
    }

    [Fact]
    public void GaussianThresholdClipsOnlyTheSparseTail()
    {
        // N(0, 1) with 128 levels per side: the threshold lies inside the largest |x| (about 4.9 for
        // 500,000 samples) but beyond the bulk.
        var rng = new Random(3);
        var values = new float[500_000];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        float top = values.Max(Math.Abs);
        float t = EntropyCalibration.Threshold(values, 128);
        Assert.InRange(t, 3f, 5f);
        Assert.True(t < top, $"threshold {t}, max {top}");
    }

    [Fact]
    public void DivergenceIsZeroWhenNothingIsLost()
    {
        // As many levels as bins and no outliers: Q equals P.
        var histogram = new double[] { 3, 0, 5, 1, 0, 7, 2, 2 };
        var p = new double[8];
        var q = new double[8];
        Assert.Equal(0.0, EntropyCalibration.Divergence(histogram, 8, 8, p, q), 12);
        Assert.True(EntropyCalibration.Divergence(histogram, 8, 2, p, q) > 0.01);
        Assert.Equal(0f, EntropyCalibration.Threshold([0f, 0f, float.NaN], 255));
    }

    [Fact]
    public void EntropyRangesOfSignedAndNonNegativeData()
    {
        var rng = new Random(4);
        var relu = new float[100_000];
        var signed = new float[100_000];
        for (int i = 0; i < relu.Length; i++)
        {
            relu[i] = -MathF.Log(1f - (float)rng.NextDouble());      // exponential, ≥ 0
            signed[i] = (float)(rng.NextDouble() * 2 - 1) * 3f;       // uniform [−3, 3]
        }
        (float Scale, int ZeroPoint) Choose(float[] values, CalibrationMethod method)
        {
            var range = new ActivationRange(1_000_000, seed: 1);
            range.Observe(values);
            return range.Choose(new QuantizationOptions { Method = method });
        }
        var entropy = Choose(relu, CalibrationMethod.Entropy);
        var minMax = Choose(relu, CalibrationMethod.MinMax);
        Assert.Equal(0, entropy.ZeroPoint);
        Assert.True(entropy.Scale < minMax.Scale * 0.9f, $"entropy scale {entropy.Scale}, MinMax {minMax.Scale}");
        var both = Choose(signed, CalibrationMethod.Entropy);
        Assert.InRange(both.Scale * 255f, 5.7f, 6.01f);
        Assert.InRange(both.ZeroPoint, 125, 130);
    }
}
