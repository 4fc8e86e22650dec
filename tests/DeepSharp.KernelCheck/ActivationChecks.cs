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

    /// <summary>
    /// ReLU's passes over spans past the pool's inline threshold run in chunks on the worker pool:
    /// at 1 and 2 threads, the twin's bits (lengths around whole chunks and a prime).
    /// </summary>
    public static void ReluPassesInChunksMatchTwinAtAnyThreadCount()
    {
        foreach (int n in new[] { 262_144, 262_144 + 32_768 * 3 + 17, 1_000_003 })
        {
            var x = Data(n, n % 97, 4f);
            var dy = Data(n, n % 89, 1f);
            var start = Data(n, n % 83, 1f);
            var y = new float[n];
            NaiveActivations.Relu(x, y);
            var back = (float[])start.Clone();
            NaiveActivations.ReluBackward(x, dy, back);
            var masked = (float[])dy.Clone();
            NaiveActivations.ReluMaskGradient(x, masked);
            foreach (int threads in new[] { 1, 2 })
            {
                var (a, b, m) = ThreadCounts.With(threads, () =>
                {
                    var a = new float[n];
                    Activations.Relu(x, a);
                    var b = (float[])start.Clone();
                    Activations.ReluBackward(x, dy, b);
                    var m = (float[])dy.Clone();
                    Activations.ReluMaskGradient(x, m);
                    return (a, b, m);
                });
                Check.Equal<float>(y, a, $"Relu n={n}, {threads} threads");
                Check.Equal<float>(back, b, $"ReluBackward n={n}, {threads} threads");
                Check.Equal<float>(masked, m, $"ReluMaskGradient n={n}, {threads} threads");
            }
        }
    }
}
