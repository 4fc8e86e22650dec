using DeepSharp.Tensors;

namespace DeepSharp.Data.Augmentation;

/// <summary>
/// Draws from the symmetric Beta(α, α) distribution that MixUp and CutMix take their mixing weights from.
/// </summary>
/// <remarks>
/// Implementation notes: B = X/(X + Y) with X, Y ~ Gamma(α, 1) independent (<see cref="GammaDistribution"/>). When both
/// gammas underflow to 0 (α near 0), Beta(α, α) is near a fair coin between 0 and 1, which is what is returned.
/// </remarks>
internal static class BetaDistribution
{
    /// <summary>One draw of Beta(<paramref name="alpha"/>, <paramref name="alpha"/>), α &gt; 0.</summary>
    public static float Sample(RandomGenerator generator, double alpha)
    {
        double x = GammaDistribution.Sample(generator, alpha), y = GammaDistribution.Sample(generator, alpha);
        double sum = x + y;
        if (!(sum > 0)) return generator.NextFloat() < 0.5f ? 0f : 1f;
        return (float)(x / sum);
    }
}
