using DeepSharp.Kernels.Cpu.Pool;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NHWC max pooling; see <see cref="NaiveMaxPool2D"/> for the exact contract (the gradient goes
/// to the first maximum in scan order). Forward is vectorised over channels and spread over images.
/// </summary>
internal static unsafe class MaxPool2DKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in Pool2DGeometry g)
    {
        g.Validate();
        if (x.Length < g.InputLength)
            throw new ArgumentException($"Input has {x.Length} elements; geometry {g} needs {g.InputLength}.", nameof(x));
        if (y.Length < g.OutputLength || argmax.Length < g.OutputLength)
            throw new ArgumentException($"Output has {y.Length} and argmax {argmax.Length} elements; geometry {g} needs {g.OutputLength}.");
        fixed (float* px = x, py = y)
        fixed (int* pa = argmax)
            MaxPoolForward.Run(px, py, pa, g);
    }

    /// <summary>
    /// dx[argmax[i]] += dy[i] (argmax −1: no input element; skipped); without
    /// <paramref name="accumulate"/>, dx is overwritten (zero where no gradient is routed).
    /// Spread over images; argmax must come from <see cref="Forward"/> with the same geometry.
    /// With <paramref name="pooled"/> (the forward's output y) the gradient also goes through the
    /// ReLU whose output was pooled: dx[argmax[i]] += y[i] &gt; 0 ? dy[i] : 0, which is the ReLU mask
    /// of that input element, since y[i] is its value (<see cref="NaiveMaxPool2D.BackwardThroughRelu"/>).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, in Pool2DGeometry g, bool accumulate = true,
        ReadOnlySpan<float> pooled = default)
    {
        g.Validate();
        if (dy.Length < g.OutputLength || argmax.Length < g.OutputLength)
            throw new ArgumentException($"dy has {dy.Length} and argmax {argmax.Length} elements; geometry {g} needs {g.OutputLength}.");
        if (dx.Length < g.InputLength)
            throw new ArgumentException($"dx has {dx.Length} elements; geometry {g} needs {g.InputLength}.", nameof(dx));
        if (!pooled.IsEmpty && pooled.Length < g.OutputLength)
            throw new ArgumentException($"pooled has {pooled.Length} elements; geometry {g} needs {g.OutputLength}.", nameof(pooled));
        int misrouted;
        fixed (float* pdy = dy, pdx = dx, ppooled = pooled)
        fixed (int* pa = argmax)
            misrouted = MaxPoolBackward.Run(pdy, pa, pdx, g, accumulate, pooled.IsEmpty ? null : ppooled);
        if (misrouted > 0)
            throw new ArgumentException($"{misrouted} argmax entries point outside their own image for geometry {g}; they were skipped.", nameof(argmax));
    }
}
