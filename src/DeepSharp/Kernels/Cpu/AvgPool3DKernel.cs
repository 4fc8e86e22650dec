using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NDHWC average pooling (padding not counted); see <see cref="NaivePool3D"/> for the contract.
/// Vectorised over channels: each window adds whole channel rows in the twin's (kd, kh, kw) order,
/// then divides by the count. Work items as in <see cref="MaxPool3DKernel"/>.
/// </summary>
internal static unsafe class AvgPool3DKernel
{
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in Pool3DGeometry g)
    {
        Pool3DWindows.Validate(g, x.Length, y.Length, "AvgPool3D");
        fixed (float* px = x, py = y)
            Pool3DWindows.Run(Pool3DWindows.Mode.AvgForward, px, py, null, g);
    }

    /// <summary>dx += each window's dy / count, spread over the window's input elements.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in Pool3DGeometry g)
    {
        Pool3DWindows.Validate(g, dx.Length, dy.Length, "AvgPool3D");
        fixed (float* pdy = dy, pdx = dx)
            Pool3DWindows.Run(Pool3DWindows.Mode.AvgBackward, pdx, pdy, null, g);
    }
}
