namespace DeepSharp.Tensors;

/// <summary>
/// Draws from Gamma(α, 1): the basis of the Beta draws of MixUp and CutMix and of AugMix's Dirichlet chain weights.
/// </summary>
/// <remarks>
/// Implementation notes: for α ≥ 1, Marsaglia and Tsang (2000): d = α − 1/3, c = 1/√(9d); accept v = (1 + c·z)³
/// (z standard normal, v &gt; 0) when ln u &lt; z²/2 + d − d·v + d·ln v, returning d·v. For α &lt; 1, Gamma(α + 1)·u^(1/α).
/// </remarks>
internal static class GammaDistribution
{
    /// <summary>One draw of Gamma(<paramref name="alpha"/>, 1), α &gt; 0.</summary>
    public static double Sample(RandomGenerator generator, double alpha)
    {
        if (alpha < 1) return Sample(generator, alpha + 1) * Math.Pow(Uniform(generator), 1 / alpha);
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
