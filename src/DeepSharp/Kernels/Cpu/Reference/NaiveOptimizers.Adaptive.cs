namespace DeepSharp.Kernels.Cpu.Reference;

internal static partial class NaiveOptimizers
{
    /// <summary>
    /// RMSprop, Keras 3 form, with c = 1−ρ from the caller as Keras rounds it (KerasScalars.OneMinus):
    /// v = ρ·v + c·g²; centered: a = ρ·a + c·g, d = v − a² + ε, else
    /// d = v + ε; inc = lr·g/√d; with momentum μ > 0: m = μ·m + inc, w −= m; else w −= inc.
    /// <paramref name="mom"/> is unused when μ = 0 and <paramref name="avg"/> when not centered.
    /// </summary>
    public static void RmsProp(Span<float> w, ReadOnlySpan<float> g, Span<float> v, Span<float> mom, Span<float> avg,
        float lr, float rho, float oneMinusRho, float momentum, float epsilon, bool centered)
    {
        float c = oneMinusRho;
        for (int i = 0; i < w.Length; i++)
        {
            v[i] = rho * v[i] + c * (g[i] * g[i]);
            float d;
            if (centered)
            {
                avg[i] = rho * avg[i] + c * g[i];
                d = v[i] - avg[i] * avg[i] + epsilon;
            }
            else
            {
                d = v[i] + epsilon;
            }
            float inc = lr * g[i] / MathF.Sqrt(d);
            if (momentum > 0f)
            {
                mom[i] = momentum * mom[i] + inc;
                w[i] -= mom[i];
            }
            else
            {
                w[i] -= inc;
            }
        }
    }

    /// <summary>Adagrad, Keras 3 form: acc += g²; w −= lr·g/√(acc + ε).</summary>
    public static void Adagrad(Span<float> w, ReadOnlySpan<float> g, Span<float> acc, float lr, float epsilon)
    {
        for (int i = 0; i < w.Length; i++)
        {
            acc[i] += g[i] * g[i];
            w[i] -= lr * g[i] / MathF.Sqrt(acc[i] + epsilon);
        }
    }

    /// <summary>
    /// Nadam, Keras 3 form, with the step's scalars computed by the caller. Keras 3's Nadam takes
    /// 1 − β on the float32-cast β (unlike Adam and RMSprop), so 1f − β here is Keras's constant:
    /// m += (g − m)·(1−β1); v += (g² − v)·(1−β2); m̂ = kM·m + kG·g where kM = u_{t+1}/(1 − Πu_{..t+1})
    /// and kG = (1 − u_t)/(1 − Πu_{..t}); v̂ = v/vDen with vDen = 1 − β2^t; w −= lr·m̂/(√v̂ + ε).
    /// </summary>
    public static void Nadam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float beta1, float beta2, float epsilon, float kM, float kG, float vDen)
    {
        float c1 = 1f - beta1, c2 = 1f - beta2;
        for (int i = 0; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * c1;
            v[i] += (g[i] * g[i] - v[i]) * c2;
            float mHat = kM * m[i] + kG * g[i];
            w[i] -= lr * mHat / (MathF.Sqrt(v[i] / vDen) + epsilon);
        }
    }
}
