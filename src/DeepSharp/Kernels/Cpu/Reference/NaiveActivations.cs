namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="Activations"/>. Backward passes accumulate (+=).</summary>
internal static class NaiveActivations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0f;
    }

    /// <summary>dx += dy where x &gt; 0.</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++) if (x[i] > 0) dx[i] += dy[i];
    }

    /// <summary>dy[i] = 0 where x[i] ≤ 0, in place: the ReLU gradient when dy's buffer can become dx.</summary>
    public static void ReluMaskGradient(ReadOnlySpan<float> x, Span<float> dy)
    {
        for (int i = 0; i < x.Length; i++) if (!(x[i] > 0)) dy[i] = 0f;
    }

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = (float)(1.0 / (1.0 + Math.Exp(-x[i])));
    }

    /// <summary>dx += dy·y·(1 − y), from the forward output y.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++) dx[i] += dy[i] * y[i] * (1f - y[i]);
    }

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = (float)Math.Tanh(x[i]);
    }

    /// <summary>dx += dy·(1 − y²), from the forward output y.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++) dx[i] += dy[i] * (1f - y[i] * y[i]);
    }
}
