using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Keras's generalized ReLU (threshold, maximum, slope) against its twin, bit for bit, at every awkward length.</summary>
public static class GeneralizedReluChecks
{
    private static readonly float[] Specials = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 6f, -0.5f, 0.5f, 1e-30f];

    private static readonly GeneralizedReluParameters[] Settings =
    [
        GeneralizedReluParameters.Create(0f, null, 0f),     // ReLU
        GeneralizedReluParameters.Create(0.3f, null, 0f),   // leaky
        GeneralizedReluParameters.Create(0f, 6f, 0f),       // ReLU6
        GeneralizedReluParameters.Create(0.1f, 2.5f, 0.5f), // all three
        GeneralizedReluParameters.Create(0.2f, null, -0.5f),
        GeneralizedReluParameters.Create(0f, 1f, -0.5f),
    ];

    private static float[] Data(int n, int seed)
    {
        var x = Check.Random(n, seed);
        for (int i = 0; i < n; i++) x[i] *= 4f;
        for (int i = seed % 3; i < n; i += 5) x[i] = Specials[i % Specials.Length];
        return x;
    }

    public static void ForwardMatchesTwinBitForBit()
    {
        foreach (var p in Settings)
            foreach (int n in Check.AwkwardSizes)
            {
                var x = Data(n, n + 11);
                var e = new float[n];
                var a = new float[n];
                NaiveGeneralizedRelu.Forward(x, e, p);
                GeneralizedRelu.Forward(x, a, p);
                Check.Equal<float>(e, a, $"GeneralizedRelu {p} n={n}");
            }
    }

    public static void BackwardMatchesTwinBitForBit()
    {
        foreach (var p in Settings)
            foreach (int n in Check.AwkwardSizes)
            {
                var x = Data(n, n + 12);
                var dy = Check.Random(n, n + 13);
                var e = Check.Random(n, n + 14);
                var a = (float[])e.Clone();
                NaiveGeneralizedRelu.Backward(x, dy, e, p);
                GeneralizedRelu.Backward(x, dy, a, p);
                Check.Equal<float>(e, a, $"GeneralizedRelu backward {p} n={n}");
            }
    }

    public static void KnownValuesFollowKeras()
    {
        // Keras 3: ops.relu-family values for x = [-2, -0.25, 0.25, 1, 7].
        float[] x = [-2f, -0.25f, 0.25f, 1f, 7f];
        var y = new float[5];
        GeneralizedRelu.Forward(x, y, GeneralizedReluParameters.Create(0.1f, 6f, 0.5f));
        Check.Close([-0.25f, -0.075f, -0.025f, 1f, 6f], y, 1e-6f, 1e-7f, "slope 0.1, max 6, threshold 0.5");
        GeneralizedRelu.Forward(x, y, GeneralizedReluParameters.Create(0f, null, -0.5f));
        Check.Close([0f, -0.25f, 0.25f, 1f, 7f], y, 0f, 0f, "threshold −0.5 without a maximum passes (−0.5, 0)");
        GeneralizedRelu.Forward(x, y, GeneralizedReluParameters.Create(0f, 6f, -0.5f));
        Check.Close([0f, 0f, 0.25f, 1f, 6f], y, 0f, 0f, "threshold −0.5 with a maximum clips at 0");
    }
}
