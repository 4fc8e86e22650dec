using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>
/// The dropout op's counter-based masks: y = x·mask with the twin's mask for the key the op draws, two
/// draws from the generator per call whatever the size, different masks on successive calls, and a kept
/// fraction that matches the rate (overall, at each of a group's 32 lanes, and for neighbours jointly).
/// The kernel against its twin at every instruction set is in DeepSharp.KernelCheck (DropoutMaskChecks).
/// </summary>
public class DropoutMaskTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2048)]
    [InlineData(4099)]
    [InlineData(40_013)]
    public void DropoutOpEqualsXTimesTheTwinsMask(int length)
    {
        var x = Tensor.RandomUniform(new Shape(length), -1f, 1f, new RandomGenerator(5));
        var generator = new RandomGenerator(9);
        var y = Ops.Dropout(x, 0.3f, generator);
        var twin = new RandomGenerator(9);
        uint k0 = twin.NextUInt(), k1 = twin.NextUInt();
        var xs = x.ToArray();
        float[] mask = new float[length], expected = new float[length];
        NaiveDropoutMask.Apply(xs, mask, expected, k0, k1, DropoutMaskKernel.Threshold(0.3f), 1f / 0.7f);
        Assert.Equal(expected, y.ToArray());
        Assert.Equal(twin.GetState(), generator.GetState());
    }

    [Fact]
    public void EachCallAdvancesTheGeneratorByTwoDrawsAndDrawsANewMask()
    {
        foreach (int length in new[] { 0, 1, 100_003 })
        {
            var generator = new RandomGenerator(21);
            var twin = new RandomGenerator(21);
            var x = Tensor.Ones(length);
            var first = Ops.Dropout(x, 0.5f, generator).ToArray();
            twin.NextUInt(); twin.NextUInt();
            Assert.Equal(twin.GetState(), generator.GetState());
            var second = Ops.Dropout(x, 0.5f, generator).ToArray();
            if (length > 64) Assert.NotEqual(first, second);
        }
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void KeptFractionMatchesTheRate(float rate)
    {
        const int N = 1 << 20;
        var x = Tensor.Ones(N);
        var y = Ops.Dropout(x, rate, new RandomGenerator((long)(rate * 1000))).ToArray();
        // The exact keep probability of the 24-bit test: (2²⁴ − ⌈rate·2²⁴⌉)/2²⁴.
        double p = (16777216.0 - DropoutMaskKernel.Threshold(rate)) / 16777216.0;
        Assert.InRange(p, 1 - rate - 1e-7, 1 - rate + 1e-7);
        var perLane = new long[DropoutMaskKernel.GroupElements];
        long kept = 0, bothKept = 0;
        for (int i = 0; i < N; i++)
        {
            if (y[i] == 0f) continue;
            Assert.Equal(1f / (1f - rate), y[i]);
            kept++;
            perLane[i % perLane.Length]++;
            if (i + 1 < N && y[i + 1] != 0f) bothKept++;
        }
        // Binomial: within 5 standard deviations (a fixed seed, so the outcome is fixed; a biased or
        // correlated generator misses by far more).
        double sd = Math.Sqrt(N * p * (1 - p));
        Assert.InRange(kept, N * p - 5 * sd, N * p + 5 * sd);
        // Each of a group's 32 lanes (different Philox words and blocks): chi-square with 31 degrees of
        // freedom, below 70 (p ≈ 1e-4 for a fair generator).
        double perLaneN = N / (double)perLane.Length, chi = 0;
        foreach (long k in perLane)
        {
            double e = perLaneN * p, d = k - e;
            chi += d * d / e + d * d / (perLaneN - e);
        }
        Assert.True(chi < 70, $"chi-square over the 32 lanes {chi:F1} (31 degrees of freedom)");
        // Neighbours are independent: pairs kept together ≈ p².
        double pairs = N - 1, pairSd = Math.Sqrt(pairs * p * p * (1 - p * p));
        Assert.InRange(bothKept, pairs * p * p - 6 * pairSd, pairs * p * p + 6 * pairSd);
    }

    [Fact]
    public void ThresholdIsTheExact24BitTest()
    {
        Assert.Equal(0u, DropoutMaskKernel.Threshold(0f));
        Assert.Equal(1u << 23, DropoutMaskKernel.Threshold(0.5f));
        Assert.Equal(1u, DropoutMaskKernel.Threshold(1e-9f)); // drops only a word whose top 24 bits are 0
        float below1 = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(1f) - 1); // 1 − 2⁻²⁴
        Assert.Equal((1u << 24) - 1, DropoutMaskKernel.Threshold(below1)); // keeps only top bits all ones, as NextFloat() ≥ rate did
        foreach (float rate in new[] { 0.3f, 0.1f, 0.9f, 1f / 3 })
        {
            uint t = DropoutMaskKernel.Threshold(rate); // the least u with u·2⁻²⁴ ≥ rate
            Assert.True(t * (1.0 / (1 << 24)) >= rate && (t - 1) * (1.0 / (1 << 24)) < rate, $"threshold {t} for rate {rate}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMaskKernel.Threshold(1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMaskKernel.Threshold(float.NaN));
    }
}
