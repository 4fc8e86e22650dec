using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The noise layers' counter-based draws: each training call takes two draws from the layer's generator
/// whatever the size (so a checkpoint's resume holds), the output equals the twins' formula for the key
/// those draws make, the bits do not depend on the thread count, and the statistics are the ones Keras
/// documents: N(0, σ²) noise, N(1, rate/(1 − rate)) factors, keep rates of masks, AlphaDropout's preserved
/// mean 0 and variance 1. The kernels against their twins at every instruction set are in
/// DeepSharp.KernelCheck (NoiseKernelChecks).
/// </summary>
public class NoiseDrawTests
{
    private static (uint K0, uint K1) Key(long seed)
    {
        var g = new RandomGenerator(seed);
        return (g.NextUInt(), g.NextUInt());
    }

    public static TheoryData<string> Layers => ["GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"];

    private static Layer Make(string type, long seed) => type switch
    {
        "GaussianNoise" => new GaussianNoise(0.4f, seed),
        "GaussianDropout" => new GaussianDropout(0.3f, seed),
        "AlphaDropout" => new AlphaDropout(0.2f, seed: seed),
        "SpatialDropout1D" => new SpatialDropout1D(0.3f, seed),
        "SpatialDropout2D" => new SpatialDropout2D(0.3f, seed),
        _ => new SpatialDropout3D(0.3f, seed),
    };

    private static Shape InputShape(string type, int batch) => type switch
    {
        "SpatialDropout1D" => new Shape(batch, 12, 5),
        "SpatialDropout2D" => new Shape(batch, 3, 4, 5),
        "SpatialDropout3D" => new Shape(batch, 2, 2, 3, 5),
        _ => new Shape(batch, 60),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void EachCallAdvancesTheGeneratorByTwoDraws(string type)
    {
        foreach (int batch in new[] { 0, 1, 37 })
        {
            var layer = Make(type, 3);
            var twin = new RandomGenerator(3);
            var x = Tensor.RandomUniform(InputShape(type, batch), -1f, 1f, new RandomGenerator(4));
            var layerGenerator = layer.TrainingGenerator!;
            for (int call = 0; call < 3; call++)
            {
                layer.Call(x, training: true);
                twin.NextUInt();
                twin.NextUInt();
                Assert.Equal(twin.GetState(), layerGenerator.GetState());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void ThreadCountDoesNotChangeTheNoise(string type)
    {
        var x = Tensor.RandomUniform(InputShape(type, 700), -1f, 1f, new RandomGenerator(4));
        int saved = DeepSharp.Threads.Count;
        try
        {
            float[] Run(int threads)
            {
                DeepSharp.Threads.Count = threads;
                return Make(type, 11).Call(x, training: true).ToArray();
            }
            var one = Run(1);
            Assert.Equal(one, Run(2));
            Assert.Equal(one, Run(3));
        }
        finally { DeepSharp.Threads.Count = saved; }
    }

    /// <summary>Finite differences through each layer, its noise held fixed by a fresh layer of the same seed per evaluation.</summary>
    [Theory]
    [MemberData(nameof(Layers))]
    public void GradientsMatchFiniteDifferences(string type) =>
        GradCheck.Check(xs => Make(type, 5).Call(xs[0], training: true), [Tensor.RandomUniform(InputShape(type, 2), -1f, 1f, new RandomGenerator(6))]);

    [Fact]
    public void AlphaDropoutWithANoiseShapeHasFiniteDifferenceGradients() =>
        GradCheck.Check(xs => new AlphaDropout(0.3f, new int?[] { null, 1, null }, seed: 5).Call(xs[0], training: true), [GradCheck.Random(6, 3, 4, 5)]);

    [Fact]
    public void GaussianLayersEqualTheTwinsFormula()
    {
        var x = Tensor.RandomUniform(new Shape(3, 1001), -1f, 1f, new RandomGenerator(4));
        var xs = x.ToArray();
        var (k0, k1) = Key(8);
        var noisy = new GaussianNoise(0.4f, 8).Call(x, training: true).ToArray();
        var scaled = new GaussianDropout(0.3f, 8).Call(x, training: true).ToArray();
        float std = (float)Math.Sqrt(0.3 / 0.7);
        for (int i = 0; i < xs.Length; i++)
        {
            float n = NaiveNormalNoise.Standard(i, k0, k1);
            Assert.Equal(xs[i] + (0f + 0.4f * n), noisy[i]);
            Assert.Equal(xs[i] * (1f + std * n), scaled[i]);
        }
    }

    [Fact]
    public void AlphaAndSpatialDropoutEqualTheDropoutMasksDecisions()
    {
        const float rate = 0.25f;
        uint threshold = DropoutMaskKernel.Threshold(rate);
        var (k0, k1) = Key(8);
        var x = Tensor.RandomUniform(new Shape(6, 7, 9), -1f, 1f, new RandomGenerator(4));
        var xs = x.ToArray();

        var alpha = new AlphaDropout(rate, seed: 8).Call(x, training: true).ToArray();
        double a = Math.Pow((1.0 - rate) * (1.0 + rate * (double)AlphaDropout.AlphaPrime * AlphaDropout.AlphaPrime), -0.5);
        double b = -a * AlphaDropout.AlphaPrime * rate;
        for (int i = 0; i < xs.Length; i++)
        {
            bool kept = NaiveDropoutMask.Word(i, k0, k1) >> 8 >= threshold;
            Assert.Equal(kept ? a * xs[i] + b : a * AlphaDropout.AlphaPrime + b, alpha[i], 5);
        }

        var spatial = new SpatialDropout1D(rate, 8).Call(x, training: true).ToArray();
        for (int s = 0; s < 6; s++)
            for (int c = 0; c < 9; c++)
            {
                bool kept = NaiveDropoutMask.Word(s * 9 + c, k0, k1) >> 8 >= threshold;
                for (int p = 0; p < 7; p++)
                {
                    int i = (s * 7 + p) * 9 + c;
                    Assert.Equal(kept ? xs[i] * (1f / (1f - rate)) : 0f, spatial[i]);
                }
            }
    }

    private static (double Mean, double Variance) Moments(ReadOnlySpan<float> v)
    {
        double sum = 0, sq = 0;
        foreach (float f in v) sum += f;
        double mean = sum / v.Length;
        foreach (float f in v) sq += (f - mean) * (f - mean);
        return (mean, sq / v.Length);
    }

    [Fact]
    public void NormalNoiseHasTheNormalsMomentsAndTails()
    {
        const int N = 1 << 20;
        var y = new GaussianNoise(0.5f, 21).Call(Tensor.Zeros(N), training: true).ToArray();
        var (mean, variance) = Moments(y);
        // Standard errors: mean 0.5/√N ≈ 0.0005, variance 0.25·√(2/N) ≈ 0.00035.
        Assert.InRange(mean, -0.0025, 0.0025);
        Assert.InRange(variance, 0.25 - 0.002, 0.25 + 0.002);
        double fourth = 0;
        int within1 = 0, within2 = 0;
        foreach (float f in y)
        {
            double z = f / 0.5;
            fourth += z * z * z * z;
            if (Math.Abs(z) < 1) within1++;
            if (Math.Abs(z) < 2) within2++;
        }
        Assert.InRange(fourth / N, 2.97, 3.03); // a normal's kurtosis is 3
        Assert.InRange(within1 / (double)N, 0.6827 - 0.002, 0.6827 + 0.002);
        Assert.InRange(within2 / (double)N, 0.9545 - 0.001, 0.9545 + 0.001);
        // Cosines and sines of one pair are uncorrelated: element k and k + 16 of each group.
        double cross = 0;
        for (int g = 0; g < N / 32; g++)
            for (int k = 0; k < 16; k++) cross += y[32 * g + k] * (double)y[32 * g + 16 + k];
        Assert.InRange(cross / (N / 2) / 0.25, -0.006, 0.006);
    }

    [Fact]
    public void GaussianDropoutFactorsHaveMeanOneAndDropoutsVariance()
    {
        const int N = 1 << 20;
        var y = new GaussianDropout(0.5f, 22).Call(Tensor.Ones(N), training: true).ToArray(); // σ² = rate/(1 − rate) = 1
        var (mean, variance) = Moments(y);
        Assert.InRange(mean, 1 - 0.005, 1 + 0.005);
        Assert.InRange(variance, 1 - 0.008, 1 + 0.008);
    }

    [Theory]
    [InlineData(0.05f)]
    [InlineData(0.3f)]
    [InlineData(0.7f)]
    public void AlphaDropoutKeepsMeanZeroAndVarianceOne(float rate)
    {
        const int N = 1 << 20;
        var x = Tensor.RandomNormal(new Shape(N), 0f, 1f, new RandomGenerator(23));
        var y = new AlphaDropout(rate, seed: 24).Call(x, training: true).ToArray();
        var (mean, variance) = Moments(y);
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 1 - 0.015, 1 + 0.015);
        float a = (float)Math.Pow((1.0 - rate) * (1.0 + rate * (double)AlphaDropout.AlphaPrime * AlphaDropout.AlphaPrime), -0.5);
        float dropped = a * AlphaDropout.AlphaPrime + -a * AlphaDropout.AlphaPrime * rate;
        double keptFraction = y.Count(v => v != dropped) / (double)N;
        Assert.InRange(keptFraction, 1 - rate - 0.003, 1 - rate + 0.003);
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    public void SpatialDropoutKeepsChannelsAtOneMinusTheRate(float rate)
    {
        var x = Tensor.Ones(4096, 4, 32);
        var y = new SpatialDropout1D(rate, 25).Call(x, training: true).ToArray();
        int kept = 0;
        for (int s = 0; s < 4096; s++)
            for (int c = 0; c < 32; c++)
                if (y[s * 4 * 32 + c] != 0f) kept++;
        Assert.InRange(kept / (4096.0 * 32), 1 - rate - 0.008, 1 - rate + 0.008);
    }
}
