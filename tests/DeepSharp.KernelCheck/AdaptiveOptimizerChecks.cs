using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>RMSprop, Adagrad and Nadam updates: bit-identical to the twins over several steps.</summary>
public static class AdaptiveOptimizerChecks
{
    public static void RmsPropMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
            foreach (float momentum in new[] { 0f, 0.5f })
                foreach (bool centered in new[] { false, true })
                {
                    var w1 = Check.Random(n, n + 3);
                    var w2 = (float[])w1.Clone();
                    var (v1, m1, a1, v2, m2, a2) = (new float[n], new float[n], new float[n], new float[n], new float[n], new float[n]);
                    for (int t = 1; t <= 3; t++)
                    {
                        var g = Check.Random(n, n * 10 + t);
                        NaiveOptimizers.RmsProp(w1, g, v1, m1, a1, 1e-3f, 0.9f, 0.1f, momentum, 1e-7f, centered);
                        OptimizerKernels.RmsProp(w2, g, v2, m2, a2, 1e-3f, 0.9f, 0.1f, momentum, 1e-7f, centered);
                    }
                    string context = $"RMSprop n={n} momentum={momentum} centered={centered}";
                    Check.Equal<float>(w1, w2, context);
                    Check.Equal<float>(v1, v2, context + " velocity");
                    Check.Equal<float>(m1, m2, context + " momentum");
                    Check.Equal<float>(a1, a2, context + " average");
                }
    }

    public static void AdagradMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var w1 = Check.Random(n, n + 5);
            var w2 = (float[])w1.Clone();
            var (a1, a2) = (new float[n], new float[n]);
            Array.Fill(a1, 0.1f);
            Array.Fill(a2, 0.1f);
            for (int t = 1; t <= 3; t++)
            {
                var g = Check.Random(n, n * 10 + t);
                NaiveOptimizers.Adagrad(w1, g, a1, 1e-3f, 1e-7f);
                OptimizerKernels.Adagrad(w2, g, a2, 1e-3f, 1e-7f);
            }
            Check.Equal<float>(w1, w2, $"Adagrad w n={n}");
            Check.Equal<float>(a1, a2, $"Adagrad accumulator n={n}");
        }
    }

    public static void NadamMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var w1 = Check.Random(n, n + 7);
            var w2 = (float[])w1.Clone();
            var (m1, v1, m2, v2) = (new float[n], new float[n], new float[n], new float[n]);
            for (int t = 1; t <= 3; t++)
            {
                var g = Check.Random(n, n * 10 + t);
                var step = new NadamStep(1e-3f, 1f - 0.9f, 1f - 0.999f, 1e-7f, 0.5f / t, 0.7f, 0.25f * t, 0.3f, 1f - MathF.Pow(0.999f, t));
                NaiveOptimizers.Nadam(w1, g, m1, v1, step);
                OptimizerKernels.Nadam(w2, g, m2, v2, step);
            }
            Check.Equal<float>(w1, w2, $"Nadam w n={n}");
            Check.Equal<float>(m1, m2, $"Nadam m n={n}");
            Check.Equal<float>(v1, v2, $"Nadam v n={n}");
        }
    }
}
