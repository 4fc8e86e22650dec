using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Activations against their twins at every awkward length, special values included.</summary>
public static class ActivationChecks
{
    private static readonly float[] Specials = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f, 50f, -50f, 100f, -100f];

    /// <summary>Scaled random data with special values sprinkled in.</summary>
    private static float[] Data(int n, int seed, float scale)
    {
        var x = Check.Random(n, seed);
        for (int i = 0; i < n; i++) x[i] *= scale;
        for (int i = seed % 5; i < n; i += 7) x[i] = Specials[i % Specials.Length];
        return x;
    }

    public static void ForwardMatchesTwin()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var x = Data(n, n + 1, 8f);
            var e = new float[n];
            var a = new float[n];
            NaiveActivations.Relu(x, e);
            Activations.Relu(x, a);
            Check.Equal<float>(e, a, $"Relu n={n}");
            NaiveActivations.Sigmoid(x, e);
            Activations.Sigmoid(x, a);
            Check.Close(e, a, 1e-6f, 1e-7f, $"Sigmoid n={n}");
            NaiveActivations.Tanh(x, e);
            Activations.Tanh(x, a);
            Check.Close(e, a, 1e-6f, 1e-7f, $"Tanh n={n}");
        }
    }

    public static void BackwardMatchesTwinBitForBit()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var x = Data(n, n + 2, 3f);
            var y = Check.Random(n, n + 3);
            var dy = Data(n, n + 4, 1f);
            var e = Data(n, n + 5, 1f);
            var a = (float[])e.Clone();
            NaiveActivations.ReluBackward(x, dy, e);
            Activations.ReluBackward(x, dy, a);
            Check.Equal<float>(e, a, $"ReluBackward n={n}");
            NaiveActivations.SigmoidBackward(y, dy, e);
            Activations.SigmoidBackward(y, dy, a);
            Check.Equal<float>(e, a, $"SigmoidBackward n={n}");
            NaiveActivations.TanhBackward(y, dy, e);
            Activations.TanhBackward(y, dy, a);
            Check.Equal<float>(e, a, $"TanhBackward n={n}");
        }
    }

    public static void ReluMaskGradientMatchesTwinAndTheAccumulatingForm()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var x = Data(n, n + 6, 3f);
            var dy = Data(n, n + 7, 1f);
            var e = (float[])dy.Clone();
            var a = (float[])dy.Clone();
            NaiveActivations.ReluMaskGradient(x, e);
            Activations.ReluMaskGradient(x, a);
            Check.Equal<float>(e, a, $"ReluMaskGradient n={n}");

            // Masking in place equals accumulating into zeros (up to the sign of zero).
            var accumulated = new float[n];
            NaiveActivations.ReluBackward(x, dy, accumulated);
            for (int i = 0; i < n; i++)
                if (!(a[i] == accumulated[i] || (float.IsNaN(a[i]) && float.IsNaN(accumulated[i]))))
                    throw new CheckFailedException($"ReluMaskGradient n={n} at {i}: {a[i]} vs accumulated {accumulated[i]}");
        }
    }
}
