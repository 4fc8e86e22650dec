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
    public void RareOutliersAreClipped()
    {
        // Uniform [0, 1] and 20 values at 50..100: MinMax would spend 99 % of the u8 steps on
        // the outliers; the entropy threshold stays near the bulk.
        var rng = new Random(2);
        var values = new float[200_020];
        for (int i = 0; i < 200_000; i++) values[i] = (float)rng.NextDouble();
        for (int i = 0; i < 20; i++) values[200_000 + i] = 50f + 2.5f * i;
        float t = EntropyCalibration.Threshold(values, 255);
        Assert.InRange(t, 0.9f, 1.5f);
    }

    [Fact]
    public void GaussianThresholdClipsOnlyTheSparseTail()
    {
        // |N(0, 1)| with 128 levels: the threshold lies well inside the largest |x| (about 4.9
        // for 500,000 samples) but beyond the bulk: between 2.5 σ and 4.5 σ.
        var rng = new Random(3);
        var values = new float[500_000];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        float top = values.Max(Math.Abs);
        float t = EntropyCalibration.Threshold(values, 128);
        Assert.InRange(t, 2.5f, 4.5f);
        Assert.True(t < top * 0.95f, $"threshold {t}, max {top}");
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
