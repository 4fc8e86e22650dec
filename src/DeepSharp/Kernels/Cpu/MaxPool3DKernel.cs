using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NDHWC max pooling; see <see cref="NaivePool3D"/> for the contract. Forward runs one work item per
/// output depth slice (n, od), backward one per sample (windows of neighbouring slices overlap when the
/// stride is below the pool, so a sample's slices are scattered in order by one thread: the same sums
/// in the same order for any thread count).
/// </summary>
internal static unsafe class MaxPool3DKernel
{
    /// <summary>Writes y and argmax (the flat input index of each output's first maximum, −1 for an empty window).</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in Pool3DGeometry g)
    {
        Pool3DWindows.Validate(g, x.Length, y.Length, "MaxPool3D");
        if (argmax.Length != g.OutputLength)
            throw new ArgumentException($"MaxPool3D geometry {g} needs {g.OutputLength} argmax elements; got {argmax.Length}.");
        fixed (float* px = x, py = y)
        fixed (int* pa = argmax)
            Pool3DWindows.Run(Pool3DWindows.Mode.MaxForward, px, py, pa, g);
    }

    /// <summary>dx[argmax[i]] += dy[i].</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, in Pool3DGeometry g)
    {
        Pool3DWindows.Validate(g, dx.Length, dy.Length, "MaxPool3D");
        if (argmax.Length != g.OutputLength)
            throw new ArgumentException($"MaxPool3D geometry {g} needs {g.OutputLength} argmax elements; got {argmax.Length}.");
        fixed (float* pdy = dy, pdx = dx)
        fixed (int* pa = argmax)
            Pool3DWindows.Run(Pool3DWindows.Mode.MaxBackward, pdx, pdy, pa, g);
    }
}
