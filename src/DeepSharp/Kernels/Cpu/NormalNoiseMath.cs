namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The constants of <see cref="NormalNoiseKernel"/>'s Box–Muller transform, shared with its twin
/// <see cref="Reference.NaiveNormalNoise"/> so that both evaluate the same polynomials.
/// </summary>
internal static class NormalNoiseMath
{
    /// <summary>√½: mantissas below it are doubled so that f = m − 1 lies in [√½ − 1, √2 − 1).</summary>
    public const float SqrtHalf = 0.707106781186547524f;

    /// <summary>ln(1 + f) ≈ f − f²/2 + f³·P(f): Cephes's single-precision minimax P, highest power first.</summary>
    public const float L0 = 7.0376836292e-2f, L1 = -1.1514610310e-1f, L2 = 1.1676998740e-1f, L3 = -1.2420140846e-1f,
        L4 = 1.4249322787e-1f, L5 = -1.6668057665e-1f, L6 = 2.0000714765e-1f, L7 = -2.4999993993e-1f, L8 = 3.3333331174e-1f;

    /// <summary>ln 2 = Ln2High + Ln2Low: the high part has few bits, so e·Ln2High is exact for |e| ≤ 2⁸.</summary>
    public const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;

    /// <summary>π/2 rounded to float.</summary>
    public const float HalfPi = 1.57079632679489662f;

    /// <summary>Taylor coefficients of sin x / x in z = x²: 1 + S1·z + … + S5·z⁵.</summary>
    public const float S1 = -1f / 6f, S2 = 1f / 120f, S3 = -1f / 5040f, S4 = 1f / 362880f, S5 = -1f / 39916800f;

    /// <summary>Taylor coefficients of cos x in z = x²: 1 + C1·z + … + C6·z⁶.</summary>
    public const float C1 = -1f / 2f, C2 = 1f / 24f, C3 = -1f / 720f, C4 = 1f / 40320f, C5 = -1f / 3628800f, C6 = 1f / 479001600f;
}
