using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Elementwise activations; see <see cref="NaiveActivations"/> for the exact contract.</summary>
public static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => NaiveActivations.Relu(x, y);
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) => NaiveActivations.ReluBackward(x, dy, dx);
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => NaiveActivations.Sigmoid(x, y);
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => NaiveActivations.SigmoidBackward(y, dy, dx);
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => NaiveActivations.Tanh(x, y);
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => NaiveActivations.TanhBackward(y, dy, dx);
}
