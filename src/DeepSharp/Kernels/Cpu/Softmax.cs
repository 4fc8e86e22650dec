using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Row softmax and log-softmax; see <see cref="NaiveSoftmax"/> for the exact contract.</summary>
public static class Softmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols) => NaiveSoftmax.Forward(x, y, rows, cols);
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols) => NaiveSoftmax.Backward(y, dy, dx, rows, cols);
    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols) => NaiveSoftmax.LogForward(x, y, rows, cols);
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols) => NaiveSoftmax.LogBackward(y, dy, dx, rows, cols);
}
