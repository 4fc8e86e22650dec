using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The transposed 2-D convolution's forward pass over a <see cref="Conv2DTransposeGeometry"/>: the
/// convolution input gradient (<see cref="Conv2DKernel.BackwardInput"/>, col2im over the output)
/// into a cleared output, then the bias per pixel. Its backward passes are the convolution's forward
/// (input gradient) and kernel gradient with the roles of input and output swapped, which the op
/// calls directly. <see cref="NaiveConv2DTranspose"/> is the twin.
/// </summary>
internal static class Conv2DTransposeKernel
{
    /// <summary>
    /// y (N, g.InH, g.InW, g.InC) = transposed convolution of x (N, g.OutH, g.OutW, g.OutC) with w
    /// (KH, KW, g.InC, g.OutC), plus bias (g.InC; empty for none).
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv2DGeometry g)
    {
        g.Validate();
        if (y.Length < g.InputLength)
            throw new ArgumentException($"Output has {y.Length} elements; geometry {g} needs {g.InputLength}.", nameof(y));
        if (!bias.IsEmpty && bias.Length < g.InC)
            throw new ArgumentException($"Bias has {bias.Length} elements; expected {g.InC} or none.", nameof(bias));
        y[..g.InputLength].Clear();
        Conv2DKernel.BackwardInput(x, w, y, g);
        if (!bias.IsEmpty) Reductions.AddBias(y, bias, g.Batch * g.InH * g.InW, g.InC);
    }

    /// <summary>
    /// dx (+)= ∂L/∂x given dy: the convolution of dy, written straight into <paramref name="dx"/> when
    /// <paramref name="accumulate"/> is false, else through <paramref name="scratch"/> (g.OutputLength elements) and added.
    /// </summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Span<float> scratch, bool accumulate, in Conv2DGeometry g)
    {
        if (!accumulate)
        {
            Conv2DKernel.Forward(dy, w, default, dx, g);
            return;
        }
        if (scratch.Length < g.OutputLength || dx.Length < g.OutputLength)
            throw new ArgumentException($"Input gradient of {dx.Length} and scratch of {scratch.Length} elements; geometry {g} needs {g.OutputLength}.");
        Conv2DKernel.Forward(dy, w, default, scratch, g);
        TensorPrimitives.Add(dx[..g.OutputLength], scratch[..g.OutputLength], dx[..g.OutputLength]);
    }
}
