using System.Numerics;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Training convolution (+ bias, + ReLU) followed by a 'valid' max-pool whose strides equal its size,
/// fused (see <see cref="NaiveConvPoolTraining"/> for the contract): the forward keeps the pooled
/// output and <see cref="MaxPool2DKernel"/>'s argmax without writing the convolution's output, and the
/// kernel/bias gradients read the pooled gradient through the argmax. An input gradient, when needed,
/// goes through the unfused kernels (<see cref="MaxPool2DKernel.Backward"/> then
/// <see cref="Conv2DKernel"/>) — the scatter's output is what it reads. A 3×3 layer that runs on Winograd takes
/// <see cref="WinogradF43Pool"/> or <see cref="WinogradF23Pool"/> forward (2×2 pools) and, for its kernel gradient, the scatter then Winograd's
/// kernel gradient. Without vector hardware the naive twin runs.
/// </summary>
internal static unsafe class ConvPool2DKernel
{
    /// <summary>Whether the fused kernels take <paramref name="g"/>: no padding, every window inside the input, the pool's windows within the output.</summary>
    public static bool Fits(in Conv2DGeometry g, int poolH, int poolW) =>
        DirectConvPool.Fits(g) && poolH >= 1 && poolW >= 1 && poolH <= g.OutH && poolW <= g.OutW;

    /// <summary>
    /// Whether the fused pass is the faster way to run <paramref name="g"/> in training: it <see cref="Fits"/>,
    /// and either the unfused convolution would not take Winograd (whose fewer multiplies outweigh the saved
    /// pass of the direct fused kernel) or the fused pass runs on Winograd itself (<see cref="WinogradF23Pool"/>:
    /// a 2×2 pool, one tile per window; or <see cref="WinogradF43Pool"/>, four windows per tile, where F(4,3) runs).
    /// </summary>
    public static bool Pays(in Conv2DGeometry g, int poolH, int poolW) =>
        Fits(g, poolH, poolW) && (!WinogradF23.Applies(g) || WinogradF23Pool.Applies(g, poolH, poolW) || WinogradF43Pool.Applies(g, poolH, poolW));

    /// <summary>Writes y and argmax (N, ⌊OutH/poolH⌋, ⌊OutW/poolW⌋, Cout); an empty <paramref name="bias"/> means none.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, Span<int> argmax,
        in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        int pooled = Validate(g, poolH, poolW, x.Length, w.Length, bias.Length);
        if (y.Length < pooled || argmax.Length < pooled)
            throw new ArgumentException($"Pooled output has {y.Length} and argmax {argmax.Length} elements; geometry {g} with pool ({poolH}, {poolW}) needs {pooled}.");
        if (!Vector.IsHardwareAccelerated)
        {
            NaiveConvPoolTraining.Forward(x, w, bias, y, argmax, g, poolH, poolW, relu);
            return;
        }
        fixed (float* px = x, pw = w, pb = bias, py = y)
        fixed (int* pa = argmax)
        {
            if (WinogradF43Pool.Applies(g, poolH, poolW))
                WinogradF43Pool.Run(px, pw, bias.IsEmpty ? null : pb, py, pa, g, relu);
            else if (WinogradF23Pool.Applies(g, poolH, poolW))
                WinogradF23Pool.Run(px, pw, bias.IsEmpty ? null : pb, py, pa, g, relu);
            else
                ConvPoolForward.Run(px, pw, bias.IsEmpty ? null : pb, py, pa, g, poolH, poolW, relu);
        }
    }

    /// <summary>
    /// dw += ∂L/∂w and db += ∂L/∂b (skipped when empty) given the pooled gradient dy and the forward's
    /// y and argmax; bit-identical for any thread count.
    /// </summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<int> argmax,
        Span<float> dw, Span<float> db, in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        int pooled = Validate(g, poolH, poolW, x.Length, dw.Length, db.Length);
        if (dy.Length < pooled || y.Length < pooled || argmax.Length < pooled)
            throw new ArgumentException($"dy has {dy.Length}, y {y.Length} and argmax {argmax.Length} elements; geometry {g} with pool ({poolH}, {poolW}) needs {pooled}.");
        if (!Vector.IsHardwareAccelerated)
        {
            NaiveConvPoolTraining.BackwardKernel(x, dy, y, argmax, dw, db, g, poolH, poolW, relu);
            return;
        }
        if (WinogradF23KernelGradient.Applies(g))
        {
            // Winograd's kernel gradient reads the convolution's whole gradient: the pool's scatter (through the ReLU) first.
            var p = NaiveConvPoolTraining.PoolGeometry(g, poolH, poolW);
            if (t_convGradient is null || t_convGradient.Length < g.OutputLength)
                t_convGradient = GC.AllocateUninitializedArray<float>(g.OutputLength);
            var dConv = t_convGradient.AsSpan(0, g.OutputLength);
            MaxPool2DKernel.Backward(dy, argmax, dConv, p, accumulate: false, relu ? y : default);
            Conv2DKernel.BackwardKernelFused(x, dConv, default, dw, db, g);
            return;
        }
        fixed (float* px = x, pdy = dy, py = y, pdw = dw, pdb = db)
        fixed (int* pa = argmax)
            ConvPoolKernelGradient.Run(px, pdy, py, pa, pdw, db.IsEmpty ? null : pdb, g, poolH, poolW, relu);
    }

    [ThreadStatic] private static float[]? t_convGradient; // the scattered gradient for Winograd's kernel gradient

    private static int Validate(in Conv2DGeometry g, int poolH, int poolW, int inputLength, int kernelLength, int biasLength)
    {
        g.Validate();
        if (!Fits(g, poolH, poolW))
            throw new ArgumentException($"The fused convolution + pool needs an unpadded convolution and a pool within its output; got {g} with pool ({poolH}, {poolW}).");
        if (inputLength < g.InputLength)
            throw new ArgumentException($"Input has {inputLength} elements; geometry {g} needs {g.InputLength}.");
        if (kernelLength < g.KernelLength)
            throw new ArgumentException($"Kernel has {kernelLength} elements; geometry {g} needs {g.KernelLength}.");
        if (biasLength != 0 && biasLength < g.OutC)
            throw new ArgumentException($"Bias has {biasLength} elements; expected {g.OutC} or none.");
        return NaiveConvPoolTraining.PoolGeometry(g, poolH, poolW).OutputLength;
    }
}
