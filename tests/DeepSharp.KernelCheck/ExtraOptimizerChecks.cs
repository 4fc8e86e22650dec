using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Lion and Adamax updates: bit-identical to the twins over several steps, NaN and signed zeros included.</summary>
public static class ExtraOptimizerChecks
{
    public static void LionMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
            foreach (var (beta1, beta2) in new[] { (0.9f, 0.99f), (1f, 0f) }) // β1 = 1: the sign of the momentum alone, zeros and all
            {
                var w1 = Check.Random(n, n + 11);
                var w2 = (float[])w1.Clone();
                var (m1, m2) = (new float[n], new float[n]);
                for (int t = 1; t <= 3; t++)
                {
                    var g = Gradients(n, t);
                    NaiveOptimizers.Lion(w1, g, m1, 1e-3f, beta1, beta2, 1f - beta1, 1f - beta2);
                    OptimizerKernels.Lion(w2, g, m2, 1e-3f, beta1, beta2, 1f - beta1, 1f - beta2);
                }
                Check.Equal<float>(w1, w2, $"Lion w n={n} beta1={beta1}");
                Check.Equal<float>(m1, m2, $"Lion m n={n} beta1={beta1}");
            }
    }

    public static void AdamaxMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var w1 = Check.Random(n, n + 13);
            var w2 = (float[])w1.Clone();
            var (m1, u1, m2, u2) = (new float[n], new float[n], new float[n], new float[n]);
            for (int t = 1; t <= 3; t++)
            {
                var g = Gradients(n, t);
                float bias = 1f - MathF.Pow(0.9f, t);
                NaiveOptimizers.Adamax(w1, g, m1, u1, 1e-3f, 0.1f, 0.999f, 1e-7f, bias);
                OptimizerKernels.Adamax(w2, g, m2, u2, 1e-3f, 0.1f, 0.999f, 1e-7f, bias);
            }
            Check.Equal<float>(w1, w2, $"Adamax w n={n}");
            Check.Equal<float>(m1, m2, $"Adamax m n={n}");
            Check.Equal<float>(u1, u2, $"Adamax u n={n}");
        }
    }

    /// <summary>Random gradients with a NaN, a −0, a +0 and an infinity spread over the vector lanes and the tail.</summary>
    private static float[] Gradients(int n, int t)
    {
        var g = Check.Random(n, n * 10 + t);
        float[] specials = [float.NaN, -0f, 0f, float.NegativeInfinity];
        for (int k = 0; k < specials.Length && n > 8; k++) g[(7 * k + 3 * t) % n] = specials[k];
        return g;
    }
}
