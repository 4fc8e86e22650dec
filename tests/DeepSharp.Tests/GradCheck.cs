using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests;

/// <summary>
/// Finite-difference gradient check: L = Σ f(inputs) ⊙ W for a fixed random W; the analytic
/// ∂L/∂input from Backward must match central differences (L evaluated in double).
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float epsilon = 1e-2f,
        double rtol = 2e-2, double atol = 2e-3, int maxElementsPerInput = 40, int seed = 7)
    {
        foreach (var t in inputs) if (t.DType == DType.Float32) { t.RequiresGrad = true; t.Grad = null; }
        var output = f(inputs);
        var weights = Tensor.RandomNormal(output.Shape, generator: new RandomGenerator(seed));
        Ops.Sum(Ops.Multiply(output, weights)).Backward();

        var rng = new RandomGenerator(seed + 1);
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (input.DType != DType.Float32 || !input.RequiresGrad) continue;
            Assert.True(input.Grad is not null, $"input {i} {input.Shape} received no gradient");
            var analytic = input.Grad!.ToArray();
            int n = input.Size;
            int checks = Math.Min(n, maxElementsPerInput);
            for (int c = 0; c < checks; c++)
            {
                int e = n <= maxElementsPerInput ? c : rng.NextInt(n);
                // Each write through a Span of its own: inference caches of prepared weights (EinsumDense's permuted
                // kernel, Dense's packed one) are stamped with the storage's hand-outs, as docs/training.md says.
                float saved = input.Span[e];
                input.Span[e] = saved + epsilon;
                double plus = Evaluate(f, inputs, weights);
                input.Span[e] = saved - epsilon;
                double minus = Evaluate(f, inputs, weights);
                input.Span[e] = saved;
                double numeric = (plus - minus) / (2 * epsilon);
                double a = analytic[e];
                Assert.True(Math.Abs(a - numeric) <= atol + rtol * Math.Max(Math.Abs(a), Math.Abs(numeric)),
                    $"input {i} {input.Shape} element {e}: analytic {a}, numeric {numeric}");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        using var _ = NoGrad.Scope();
        var y = f(inputs).Span;
        var w = weights.Span;
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)y[i] * w[i];
        return sum;
    }

    public static Tensor Random(int seed, params int[] shape) =>
        Tensor.RandomUniform(new Shape(shape), -1f, 1f, new RandomGenerator(seed));
}
