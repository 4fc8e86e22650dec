using DeepSharp.Tensors;
using DeepSharp.Text;

namespace DeepSharp.Tests.Text;

public class TokenSamplerTests
{
    private static readonly float[] Logits = [2f, 1f, 0f, -1f, 3f];

    private static int[] Counts(TokenSampler sampler, int draws = 20000)
    {
        var counts = new int[Logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Sample(Logits)]++;
        return counts;
    }

    [Fact]
    public void TemperatureZeroIsGreedy() => Assert.Equal([0, 0, 0, 0, 50], Counts(new TokenSampler(0f), 50));

    [Fact]
    public void SamplingFollowsTheSoftmaxAtTheTemperature()
    {
        var counts = Counts(new TokenSampler(2f, generator: new RandomGenerator(1)));
        var expected = Logits.Select(l => Math.Exp(l / 2)).ToArray();
        double total = expected.Sum();
        for (int i = 0; i < Logits.Length; i++)
            Assert.InRange(counts[i] / 20000.0, expected[i] / total - 0.015, expected[i] / total + 0.015);
        Assert.Equal(4, new TokenSampler(0f).Sample(Logits));
    }

    [Fact]
    public void TopKAndTopPKeepOnlyTheMostLikelyTokens()
    {
        var topK = Counts(new TokenSampler(1f, topK: 2, generator: new RandomGenerator(2)));
        Assert.Equal([0, 0, 0], new[] { topK[1], topK[2], topK[3] });
        Assert.True(topK[4] > topK[0] && topK[0] > 0);

        // p(4) ≈ 0.64, p(0) ≈ 0.24 at temperature 1: top-p 0.5 keeps token 4 alone, 0.8 keeps 4 and 0.
        Assert.Equal(20000, Counts(new TokenSampler(1f, topP: 0.5f, generator: new RandomGenerator(3)))[4]);
        var nucleus = Counts(new TokenSampler(1f, topP: 0.8f, generator: new RandomGenerator(4)));
        Assert.Equal(20000, nucleus[4] + nucleus[0]);
    }

    [Fact]
    public void BadSettingsAndLogitsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(topK: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(topP: 1.5f));
        Assert.Throws<ArgumentException>(() => new TokenSampler().Sample([1f, float.NaN]));
    }
}
