namespace DeepSharp.Federated;

/// <summary>log(erfc(x)) in double precision for any x, the far tail included (erfc(40) ≈ 1e-697 is below double's range, its log is not).</summary>
/// <remarks>
/// Implementation notes: for |x| &lt; 2, erfc = 1 − erf with erf's Maclaurin series
/// 2/√π Σ (−1)ⁿ x²ⁿ⁺¹/(n!(2n+1)) (terms summed until they fall below 1e-17 relative; the largest,
/// near n = 4, is ~10, so about one digit is lost to cancellation); for x ≥ 2 the continued fraction
/// erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (Abramowitz &amp; Stegun 7.1.14),
/// evaluated forwards by the modified Lentz method to 1e-16 and kept in log form: −x² − ½ log π − log(fraction);
/// for x ≤ −2, erfc x = 2 − erfc(−x).
/// </remarks>
internal static class LogErfc
{
    public static double Of(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x >= 2) return -x * x - 0.5 * Math.Log(Math.PI) - Math.Log(Fraction(x));
        if (x <= -2) return Math.Log(2 - Math.Exp(Of(-x)));
        return Math.Log(1 - Erf(x));
    }

    private static double Erf(double x)
    {
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return 2.0 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), by the modified Lentz method (x ≥ 2).</summary>
    private static double Fraction(double x)
    {
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int k = 1; k < 10_000; k++)
        {
            double a = k / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return f;
    }
}
