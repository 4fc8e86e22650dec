namespace DeepSharp.Kernels.Cpu.Reference;

internal static partial class NaiveOptimizers
{
    /// <summary>
    /// Lion, Keras 3 form, with c1 = 1 − β1 and c2 = 1 − β2 (on the float32 β, as Keras's Lion): d = m·β1 + g·c1;
    /// w −= lr·sign(d); m = m·β2 + g·c2. sign(NaN) is NaN, as Keras's: a NaN gradient poisons the weight rather than vanishing.
    /// </summary>
    public static void Lion(Span<float> w, ReadOnlySpan<float> g, Span<float> m, float lr, float beta1, float beta2, float c1, float c2)
    {
        for (int i = 0; i < w.Length; i++)
        {
            float direction = m[i] * beta1 + g[i] * c1;
            w[i] -= lr * (float.IsNaN(direction) ? direction : MathF.Sign(direction));
            m[i] = m[i] * beta2 + g[i] * c2;
        }
    }

    /// <summary>
    /// Adamax, Keras 3 form, in its float32 order, with c1 = 1 − β1 (rounded once, KerasScalars.OneMinus) and
    /// bias = 1 − β1^t from the caller: m += (g − m)·c1; u = max(β2·u, |g|); w −= lr·m/(bias·(u + ε)).
    /// </summary>
    public static void Adamax(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> u, float lr, float c1, float beta2, float epsilon, float bias)
    {
        for (int i = 0; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * c1;
            u[i] = MathF.Max(beta2 * u[i], MathF.Abs(g[i]));
            w[i] -= lr * m[i] / (bias * (u[i] + epsilon));
        }
    }
}
