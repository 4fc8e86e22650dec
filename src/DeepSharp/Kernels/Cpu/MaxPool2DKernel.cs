using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>NHWC max pooling; see <see cref="NaiveMaxPool2D"/> for the exact contract.</summary>
public static class MaxPool2DKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in Pool2DGeometry g)
        => NaiveMaxPool2D.Forward(x, y, argmax, g);

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
        => NaiveMaxPool2D.Backward(dy, argmax, dx);
}
