using DeepSharp.Nn;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Optimizers;

/// <summary>Keras 3's gradient clipping and decoupled weight decay, applied before an update.</summary>
internal static class GradientClipping
{
    public static void Clip(List<(Parameter Parameter, Tensor Grad)> step, float? clipNorm, float? clipValue, float? globalClipNorm)
    {
        if (clipValue is { } cv)
            foreach (var (_, g) in step) TensorPrimitives.Clamp(g.Span, -cv, cv, g.Span);
        if (clipNorm is { } cn)
            foreach (var (_, g) in step) ScaleToNorm(g.Span, Norm(g.Span), cn);
        if (globalClipNorm is { } gn)
        {
            double sumSquares = 0;
            foreach (var (_, g) in step) sumSquares += SumSquares(g.Span);
            float norm = (float)Math.Sqrt(sumSquares);
            foreach (var (_, g) in step) ScaleToNorm(g.Span, norm, gn);
        }
    }

    /// <summary>w −= w·wd·lr, in Keras's operation order.</summary>
    public static void DecayWeights(Span<float> w, float weightDecay, float learningRate) =>
        Kernels.Cpu.OptimizerKernels.DecayWeights(w, weightDecay, learningRate);

    /// <summary>g·c/max(norm, c): unchanged when norm ≤ c.</summary>
    private static void ScaleToNorm(Span<float> g, float norm, float c)
    {
        if (norm <= c) return;
        for (int i = 0; i < g.Length; i++) g[i] = g[i] * c / norm;
    }

    private static float Norm(ReadOnlySpan<float> g) => (float)Math.Sqrt(SumSquares(g));

    private static double SumSquares(ReadOnlySpan<float> g)
    {
        double s = 0;
        foreach (float v in g) s += (double)v * v;
        return s;
    }
}
