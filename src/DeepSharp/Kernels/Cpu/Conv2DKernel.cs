using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>NHWC 2-D convolution; see <see cref="NaiveConv2D"/> for the exact contract.</summary>
public static class Conv2DKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv2DGeometry g)
        => NaiveConv2D.Forward(x, w, bias, y, g);

    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in Conv2DGeometry g)
        => NaiveConv2D.BackwardInput(dy, w, dx, g);

    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv2DGeometry g)
        => NaiveConv2D.BackwardKernel(x, dy, dw, g);
}
