using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Fused parameter updates; see <see cref="NaiveOptimizers"/> for the exact contract.</summary>
public static class OptimizerKernels
{
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lrT, float beta1, float beta2, float epsilon)
        => NaiveOptimizers.Adam(w, g, m, v, lrT, beta1, beta2, epsilon);
    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, bool nesterov)
        => NaiveOptimizers.Sgd(w, g, velocity, lr, momentum, nesterov);
}
