namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// Exact GELU, x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)), in double precision: the twin of <see cref="GeluKernel"/>.
/// </summary>
internal static class NaiveGelu
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = (float)(0.5 * x[i] * (1.0 + NaiveErf.Of(x[i] / Math.Sqrt(2.0))));
    }

    /// <summary>dx (+)= dy·(Φ(x) + x·φ(x)).</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double cdf = 0.5 * (1.0 + NaiveErf.Of(v / Math.Sqrt(2.0)));
            double pdf = Math.Exp(-0.5 * v * v) / Math.Sqrt(2.0 * Math.PI);
            float g = (float)(dy[i] * (cdf + v * pdf));
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }
}
