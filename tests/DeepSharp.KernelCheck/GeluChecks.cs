using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>The vectorised GELU (A&amp;S erf) against the double-precision twin, over awkward sizes and wide inputs.</summary>
public static class GeluChecks
{
    private static float[] Inputs(int length, int seed)
    {
        var x = Check.Random(length, seed);
        for (int i = 0; i < x.Length; i++) x[i] *= 12f; // −6..6 and beyond the series/fraction switch
        return x;
    }

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 0;
        foreach (int n in Check.AwkwardSizes.Append(1024).Append(1025).Append(3000))
        {
            var x = Inputs(n, ++seed);
            var expected = new float[n];
            var actual = Check.Random(n, ++seed);
            NaiveGelu.Forward(x, expected);
            GeluKernel.Forward(x, actual);
            Check.Close(expected, actual, 1e-5f, 1e-6f, $"GELU forward n={n}");

            var dy = Check.Random(n, ++seed);
            foreach (bool accumulate in new[] { false, true })
            {
                var dx1 = Check.Random(n, seed + 100);
                var dx2 = (float[])dx1.Clone();
                NaiveGelu.Backward(x, dy, dx1, accumulate);
                GeluKernel.Backward(x, dy, dx2, accumulate);
                Check.Close(dx1, dx2, 1e-5f, 1e-6f, $"GELU backward n={n} accumulate={accumulate}");
            }
        }
    }

    /// <summary>
    /// The documented bound (GeluKernel's notes): |y − exact| ≤ 1.5e-7·|x| + ulp-sized rounding, and the
    /// gradient's |f′ − exact| ≤ 1.5e-7·(1 + |x|) + rounding, dense over [−10, 10] (Φ saturates beyond).
    /// </summary>
    public static void ErrorWithinDocumentedBound()
    {
        const double Bound = 1.5e-7;
        var x = new float[200_001];
        for (int k = 0; k < x.Length; k++) x[k] = (k - 100_000) * 1e-4f;
        var y = new float[x.Length];
        var ones = Enumerable.Repeat(1f, x.Length).ToArray();
        var g = new float[x.Length];
        GeluKernel.Forward(x, y);
        GeluKernel.Backward(x, ones, g, accumulate: false);
        double worstY = 0, worstG = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double v = x[k], cdf = 0.5 * (1.0 + NaiveErf.Of(v / Math.Sqrt(2.0)));
            double exactY = v * cdf, exactG = cdf + v * Math.Exp(-0.5 * v * v) / Math.Sqrt(2.0 * Math.PI);
            double errY = Math.Abs(y[k] - exactY) / (Math.Abs(v) + 1e-30), errG = Math.Abs(g[k] - exactG) / (1.0 + Math.Abs(v));
            double roundY = 2.4e-7 * Math.Abs(exactY) / (Math.Abs(v) + 1e-30), roundG = 2.4e-7 * Math.Abs(exactG) / (1.0 + Math.Abs(v));
            if (errY > Bound + roundY) throw new CheckFailedException($"GELU({x[k]:R}) = {y[k]:R}, exact {exactY:R}: error {errY:E2}·|x| is above {Bound:E1}·|x| + rounding.");
            if (errG > Bound + roundG) throw new CheckFailedException($"GELU′({x[k]:R}) = {g[k]:R}, exact {exactG:R}: error {errG:E2}·(1 + |x|) is above {Bound:E1}·(1 + |x|) + rounding.");
            worstY = Math.Max(worstY, errY);
            worstG = Math.Max(worstG, errG);
        }
        Console.WriteLine($"  GELU: worst error {worstY:E2}·|x| forward, {worstG:E2}·(1 + |x|) gradient over [−10, 10]");
    }

    public static void SpecialValuesMatchTwin()
    {
        float[] x = [0f, -0f, 1e-30f, -1e-30f, 40f, -40f, float.PositiveInfinity, float.NegativeInfinity];
        var expected = new float[x.Length];
        var actual = new float[x.Length];
        NaiveGelu.Forward(x, expected);
        GeluKernel.Forward(x, actual);
        for (int i = 0; i < x.Length; i++)
        {
            bool same = expected[i] == actual[i] || (float.IsNaN(expected[i]) && float.IsNaN(actual[i]))
                || Math.Abs(expected[i] - actual[i]) <= 1e-6f * Math.Abs(expected[i]);
            if (!same) throw new CheckFailedException($"GELU({x[i]}): {actual[i]}, expected {expected[i]}");
        }
    }
    /// <summary>
    /// The kernel's vectors give, element by element, the bits of the scalar operator (the form a tail
    /// element and a CPU without SIMD take), forward and backward, over dense [−10, 10], every power-of-two
    /// magnitude up to 2^127, ±∞ and NaN.
    /// </summary>
    public static void EveryWidthGivesTheScalarBits()
    {
        var xs = new List<float>();
        for (int k = -100_000; k <= 100_000; k += 7) xs.Add(k * 1e-4f);
        for (int e = -30; e <= 127; e++)
            foreach (float m in (ReadOnlySpan<float>)[1f, 1.5f, 1.9999999f])
            {
                xs.Add(MathF.ScaleB(m, e));
                xs.Add(-MathF.ScaleB(m, e));
            }
        xs.AddRange([float.MaxValue, -float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, float.Epsilon]);
        var x = xs.ToArray();
        var y = new float[x.Length];
        GeluKernel.Forward(x, y);
        var dy = Check.Random(x.Length, 77);
        var dx = new float[x.Length];
        GeluKernel.Backward(x, dy, dx, accumulate: false);
        for (int i = 0; i < x.Length; i++)
        {
            float expectedY = default(GeluOperator).Invoke(x[i]);
            float expectedDx = default(GeluBackwardOperator).Invoke(x[i], dy[i]);
            if (!SameBits(y[i], expectedY)) throw new CheckFailedException($"GELU({x[i]:R}) = {y[i]:R} in the kernel, {expectedY:R} by the scalar operator.");
            if (!SameBits(dx[i], expectedDx)) throw new CheckFailedException($"GELU'({x[i]:R})·{dy[i]:R} = {dx[i]:R} in the kernel, {expectedDx:R} by the scalar operator.");
        }
    }

    private static bool SameBits(float a, float b) => (float.IsNaN(a) && float.IsNaN(b)) || BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b);
}
