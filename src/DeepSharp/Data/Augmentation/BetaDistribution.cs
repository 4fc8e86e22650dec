using DeepSharp.Tensors;

namespace DeepSharp.Data.Augmentation;

/// <summary>
/// Draws from the symmetric Beta(α, α) distribution that MixUp and CutMix take their mixing weights from.
/// </summary>
/// <remarks>
/// Implementation notes: B = X/(X + Y) with X, Y ~ Gamma(α, 1) independent. Gamma(α) for α ≥ 1 by Marsaglia and Tsang
/// (2000): d = α − 1/3, c = 1/√(9d); accept v = (1 + c·z)³ (z standard normal, v &gt; 0) when ln u &lt; z²/2 + d − d·v + d·ln v,
/// returning d·v. For α &lt; 1, Gamma(α + 1)·u^(1/α). When both gammas underflow to 0 (α near 0), Beta(α, α) is near a
/// fair coin between 0 and 1, which is what is returned.
/// </remarks>
internal static class BetaDistribution
{
    /// <summary>One draw of Beta(<paramref name="alpha"/>, <paramref name="alpha"/>), α &gt; 0.</summary>
    public static float Sample(RandomGenerator generator, double alpha)
    {
        double x = Gamma(generator, alpha), y = Gamma(generator, alpha);
        double sum = x + y;
        if (!(sum > 0)) return generator.NextFloat() < 0.5f ? 0f : 1f;
        return (float)(x / sum);
    }

    private static double Gamma(RandomGenerator generator, double alpha)
    {
        if (alpha < 1) return Gamma(generator, alpha + 1) * Math.Pow(Uniform(generator), 1 / alpha);
        double d = alpha - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        Span<float> z = stackalloc float[1];
        while (true)
        {
            generator.FillNormal(z, 0f, 1f);
            double v = 1 + c * z[0];
            if (v <= 0) continue;
            v = v * v * v;
            double u = Uniform(generator);
            if (Math.Log(u) < 0.5 * z[0] * z[0] + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>Uniform in (0, 1]: never 0, so its logarithm and powers stay finite.</summary>
    private static double Uniform(RandomGenerator generator) => 1.0 - generator.NextFloat();
}
