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
}
