namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="OptimizerKernels"/>: in-place parameter updates.</summary>
internal static partial class NaiveOptimizers
{
    /// <summary>
    /// Adam, Keras 3 form: m += (g − m)·c1; v += (g² − v)·c2; w −= m·α/(√v + ε), where the caller
    /// passes c1 = 1−β1 and c2 = 1−β2 as Keras rounds them (KerasScalars.OneMinus) and
    /// α = lr·√(1−β2^t)/(1−β1^t) in float32 (ε stays outside the bias correction).
    /// </summary>
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float alpha, float c1, float c2, float epsilon)
    {
        for (int i = 0; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * c1;
            v[i] += (g[i] * g[i] - v[i]) * c2;
            w[i] -= m[i] * alpha / (MathF.Sqrt(v[i]) + epsilon);
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

    /// <summary>Decoupled weight decay, Keras's order: w −= w·wd·lr, i.e. w − (w·wd)·lr rounded step by step.</summary>
    public static void DecayWeights(Span<float> w, float weightDecay, float learningRate)
    {
        for (int i = 0; i < w.Length; i++) w[i] -= w[i] * weightDecay * learningRate;
    }
}
