namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The error function, which .NET's Math lacks.
/// </summary>
/// <remarks>
/// Implementation notes: for |x| &lt; 2 the Maclaurin series erf x = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹/(n!(2n+1)),
/// summed until the terms fall below 1e-17 relative (at most ~40 terms); beyond that the
/// continued fraction for erfc (Abramowitz &amp; Stegun 7.1.14) evaluated backwards with 60 terms.
/// Both reach double precision, far below float's resolution, which is what GELU needs.
/// </remarks>
internal static class NaiveErf
{
    public static double Of(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double a = Math.Abs(x);
        double r = a < 2.0 ? Series(a) : 1.0 - ComplementFraction(a);
        return x < 0 ? -r : r;
    }

    private static double Series(double x)
    {
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 100; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return 2.0 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).</summary>
    private static double ComplementFraction(double x)
    {
        if (x > 27) return 0.0;
        double f = x;
        for (int k = 60; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
