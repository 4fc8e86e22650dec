using DeepSharp.Tensors;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// A small classification set for federated runs: each sample's features lean +1 on the features of its
/// class (feature f belongs to class f mod classes) and −1 elsewhere, with uniform noise in [−1, 1).
/// </summary>
internal static class SeparableClasses
{
    public static (Tensor X, Tensor Y) Make(int samples, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var x = Tensor.Zeros(new Shape(samples, features));
        var y = Tensor.Zeros(new Shape(samples, classes));
        for (int i = 0; i < samples; i++)
        {
            int c = random.Next(classes);
            y.Span[i * classes + c] = 1;
            for (int f = 0; f < features; f++) x.Span[i * features + f] = (f % classes == c ? 1f : -1f) + (float)(random.NextDouble() - 0.5) * 2f;
        }
        return (x, y);
    }
}
