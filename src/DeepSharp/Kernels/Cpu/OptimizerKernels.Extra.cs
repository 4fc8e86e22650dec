using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

internal static partial class OptimizerKernels
{
    public static void Lion(Span<float> w, ReadOnlySpan<float> g, Span<float> m, float lr, float beta1, float beta2, float c1, float c2)
    {
        int n = w.Length;
        if (g.Length < n || m.Length < n)
            throw new ArgumentException($"Lion on {n} weights got {g.Length} gradients and {m.Length} momenta.");
        UpdateDriver.Update(new LionOperator(lr, beta1, beta2, c1, c2), w, g, m);
    }

    public static void Adamax(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> u, float lr, float c1, float beta2, float epsilon, float bias)
    {
        int n = w.Length;
        if (g.Length < n || m.Length < n || u.Length < n)
            throw new ArgumentException($"Adamax on {n} weights got {g.Length} gradients, {m.Length} momenta and {u.Length} norms.");
        UpdateDriver.Update(new AdamaxOperator(lr, c1, beta2, epsilon, bias), w, g, m, u);
    }
}
