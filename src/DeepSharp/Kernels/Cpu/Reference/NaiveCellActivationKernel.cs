namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="CellActivationKernel"/>, computed in double.</summary>
internal static class NaiveCellActivationKernel
{
    public static float Apply(CellActivation f, float x) => f switch
    {
        CellActivation.Linear => x,
        CellActivation.Tanh => (float)Math.Tanh(x),
        CellActivation.Sigmoid => (float)(1.0 / (1.0 + Math.Exp(-x))),
        CellActivation.Relu => x > 0 ? x : 0f,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown cell activation."),
    };

    /// <summary>f′ written through the output y = f(x).</summary>
    public static float Derivative(CellActivation f, float y) => f switch
    {
        CellActivation.Linear => 1f,
        CellActivation.Tanh => (float)(1.0 - (double)y * y),
        CellActivation.Sigmoid => (float)((double)y * (1.0 - y)),
        CellActivation.Relu => y > 0 ? 1f : 0f,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown cell activation."),
    };

    public static void Apply(CellActivation f, Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = Apply(f, x[i]);
    }

    public static void MultiplyDerivative(CellActivation f, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < y.Length; i++) d[i] = f == CellActivation.Relu && !(y[i] > 0) ? 0f : d[i] * Derivative(f, y[i]);
    }
}
