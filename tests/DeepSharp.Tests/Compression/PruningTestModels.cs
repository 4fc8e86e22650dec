using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>Small seeded models and data for the compression tests.</summary>
internal static class PruningTestModels
{
    /// <summary>An MLP 6 → 10 → 3 compiled with Adam, and 64 samples of 3 classes.</summary>
    public static (Sequential Model, Tensor X, Tensor Y) Mlp(int seed = 7)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = new Sequential(
            new Dense(10, Activation.Relu, inputShape: [6]),
            new Dense(3));
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(fromLogits: true));
        var (x, y) = Data(64, 6, 3, seed);
        return (model, x, y);
    }

    /// <summary>Features in [−1, 1] and labels that depend on them (the sign pattern of the first features).</summary>
    public static (Tensor X, Tensor Y) Data(int samples, int features, int classes, int seed)
    {
        var x = Tensor.RandomUniform(new Shape(samples, features), -1f, 1f, new RandomGenerator(seed + 100L));
        var xs = x.Span;
        var labels = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            float score = xs[i * features] + 0.5f * xs[i * features + 1];
            labels[i] = score < -0.3f ? 0 : score < 0.3f ? 1 : 2 % classes;
        }
        return (x, Tensor.FromArray(labels, samples));
    }

    /// <summary>How many elements of <paramref name="t"/> are exactly zero.</summary>
    public static int Zeros(Tensor t)
    {
        int n = 0;
        foreach (float v in t.Span) if (v == 0f) n++;
        return n;
    }

    /// <summary>The weight named <paramref name="path"/> ("dense/kernel").</summary>
    public static Parameter Weight(Model model, string path) => model.Parameters.Single(p => p.Path == path);
}
