using DeepSharp.Kernels.Cpu.Pool;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NHWC max pooling; see <see cref="NaiveMaxPool2D"/> for the exact contract (the gradient goes
/// to the first maximum in scan order). Forward is vectorised over channels and spread over images.
/// </summary>
public static unsafe class MaxPool2DKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in Pool2DGeometry g)
    {
        if (g.Batch < 0 || g.InH < 0 || g.InW < 0 || g.Channels < 0 || g.OutH < 0 || g.OutW < 0
            || g.PoolH < 0 || g.PoolW < 0 || g.StrideH < 1 || g.StrideW < 1)
            throw new ArgumentException($"Invalid pooling geometry {g}.");
        if (x.Length < g.InputLength)
            throw new ArgumentException($"Input has {x.Length} elements; geometry {g} needs {g.InputLength}.", nameof(x));
        if (y.Length < g.OutputLength || argmax.Length < g.OutputLength)
            throw new ArgumentException($"Output has {y.Length} and argmax {argmax.Length} elements; geometry {g} needs {g.OutputLength}.");
        fixed (float* px = x, py = y)
        fixed (int* pa = argmax)
            MaxPoolForward.Run(px, py, pa, g);
    }

    /// <summary>dx[argmax[i]] += dy[i] (argmax −1: no input element; skipped).</summary>
    /// <remarks>
    /// Sequential: without the geometry, two outputs may route to one input (overlapping
    /// windows), so the scatter is not split over threads; it is memory-bound anyway.
    /// </remarks>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        if (argmax.Length < dy.Length)
            throw new ArgumentException($"argmax has {argmax.Length} elements; dy has {dy.Length}.", nameof(argmax));
        argmax = argmax[..dy.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            int a = argmax[i];
            if (a >= 0) dx[a] += dy[i];
        }
    }
}
