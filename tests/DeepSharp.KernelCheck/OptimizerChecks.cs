using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Adam and SGD updates and the decoupled weight decay: bit-identical to the twins.</summary>
public static class OptimizerChecks
{
    public static void AdamMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var w1 = Check.Random(n, n);
            var w2 = (float[])w1.Clone();
            var (m1, v1, m2, v2) = (new float[n], new float[n], new float[n], new float[n]);
            for (int t = 1; t <= 3; t++)
            {
                var g = Check.Random(n, n * 10 + t);
                if (n > 2) g[1] = 1e-20f; // tiny gradients make ε matter
                float lrT = 1e-3f * MathF.Sqrt(1f - MathF.Pow(0.999f, t)) / (1f - MathF.Pow(0.9f, t));
                NaiveOptimizers.Adam(w1, g, m1, v1, lrT, 0.1f, 0.001f, 1e-7f);
                OptimizerKernels.Adam(w2, g, m2, v2, lrT, 0.1f, 0.001f, 1e-7f);
            }
            Check.Equal<float>(w1, w2, $"Adam w n={n}");
            Check.Equal<float>(m1, m2, $"Adam m n={n}");
            Check.Equal<float>(v1, v2, $"Adam v n={n}");
        }
    }

    public static void SgdMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
            foreach (float momentum in new[] { 0f, 0.9f })
                foreach (bool nesterov in new[] { false, true })
                {
                    var w1 = Check.Random(n, n + 1);
                    var w2 = (float[])w1.Clone();
                    var (u1, u2) = (new float[n], new float[n]);
                    for (int t = 1; t <= 3; t++)
                    {
                        var g = Check.Random(n, n * 10 + t);
                        NaiveOptimizers.Sgd(w1, g, u1, 0.01f, momentum, nesterov);
                        OptimizerKernels.Sgd(w2, g, u2, 0.01f, momentum, nesterov);
                    }
                    string context = $"SGD n={n} momentum={momentum} nesterov={nesterov}";
                    Check.Equal<float>(w1, w2, context);
                    Check.Equal<float>(u1, u2, context + " velocity");
                }
    }

    public static void DecayWeightsMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
            foreach (var (wd, lr) in new[] { (0.004f, 1e-3f), (0.1f, 0.37f), (1e-30f, 3f) })
            {
                var w1 = Check.Random(n, n + 3);
                if (n > 3) (w1[1], w1[2], w1[3]) = (float.PositiveInfinity, -0f, 1e-40f);
                var w2 = (float[])w1.Clone();
                NaiveOptimizers.DecayWeights(w1, wd, lr);
                OptimizerKernels.DecayWeights(w2, wd, lr);
                Check.Equal<float>(w1, w2, $"DecayWeights n={n} wd={wd} lr={lr}");
            }
    }
}
