namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="OptimizerKernels"/>: in-place parameter updates.</summary>
internal static partial class NaiveOptimizers
{
    /// <summary>
    /// Adam, Keras form: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lrT·m/(√v + ε),
    /// where the caller passes lrT = lr·√(1−β2^t)/(1−β1^t) (ε stays outside the bias correction).
    /// </summary>
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lrT, float beta1, float beta2, float epsilon)
    {
        for (int i = 0; i < w.Length; i++)
        {
            m[i] = beta1 * m[i] + (1f - beta1) * g[i];
            v[i] = beta2 * v[i] + (1f - beta2) * g[i] * g[i];
            w[i] -= lrT * m[i] / (MathF.Sqrt(v[i]) + epsilon);
        }
    }

    /// <summary>
    /// SGD, Keras 3 form. Without momentum: w −= lr·g. With momentum μ: v = μ·v − lr·g, then
    /// w += v, or with Nesterov w += μ·v − lr·g. <paramref name="velocity"/> is unused when μ = 0.
    /// </summary>
    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, bool nesterov)
    {
        for (int i = 0; i < w.Length; i++)
        {
            if (momentum == 0f)
            {
                w[i] -= lr * g[i];
                continue;
            }
            velocity[i] = momentum * velocity[i] - lr * g[i];
            w[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
        }
    }
}
