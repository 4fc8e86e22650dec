using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Over the convolution g of Conv3DTransposeGeometry (the transposed input is g's output side, the transposed
// output g's input side), the three passes are Conv3DKernel's with the roles swapped, so they run on its
// im2col + GEMM column blocks (Conv3DColumns, one Gemm.Multiply per block):
//   forward          y  = 0, then y += col2im(x · wᵀ)       Conv3DKernel.BackwardInput(x, w, y)
//   input gradient   dx = im2col(dy) · w                    Conv3DKernel.Forward(dy, w, dx)
//   kernel gradient  dw += im2col(dy)ᵀ · x                  Conv3DKernel.BackwardKernel(dy, x, dw)
// Each inherits Conv3DKernel's determinism: the same bits for any thread count.

/// <summary>
/// The transposed 3-D convolution (Keras's Conv3DTranspose) over a <see cref="Conv3DTransposeGeometry"/>;
/// <see cref="NaiveConv3DTranspose"/> is the twin and the exact contract.
/// </summary>
internal static class Conv3DTransposeKernel
{
    /// <summary>
    /// y (N, g.InD, g.InH, g.InW, g.InC) = transposed convolution of x (N, g.OutD, g.OutH, g.OutW, g.OutC) with w
    /// (KD, KH, KW, g.InC, g.OutC), plus bias (g.InC; empty for none).
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv3DGeometry g)
    {
        Validate(g, x.Length, w.Length, y.Length, "y");
        if (!bias.IsEmpty && bias.Length != g.InC)
            throw new ArgumentException($"Conv3DTranspose bias has {bias.Length} elements; {g.InC} filters need {g.InC}.", nameof(bias));
        y.Clear();
        Conv3DKernel.BackwardInput(x, w, y, g);
        if (!bias.IsEmpty) Reductions.AddBias(y, bias, g.Batch * g.InD * g.InH * g.InW, g.InC);
    }

    /// <summary>
    /// dx (+)= ∂L/∂x given dy: the convolution of dy, written straight into <paramref name="dx"/> when
    /// <paramref name="accumulate"/> is false, else through <paramref name="scratch"/> (g.OutputLength elements) and added.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Span<float> scratch, bool accumulate, in Conv3DGeometry g)
    {
        Validate(g, dx.Length, w.Length, dy.Length, "dy");
        if (!accumulate)
        {
            Conv3DKernel.Forward(dy, w, default, dx, g);
            return;
        }
        if (scratch.Length != g.OutputLength)
            throw new ArgumentException($"Conv3DTranspose input gradient scratch has {scratch.Length} elements; geometry {g} needs {g.OutputLength}.", nameof(scratch));
        Conv3DKernel.Forward(dy, w, default, scratch, g);
        TensorPrimitives.Add(dx, scratch, dx);
    }

    /// <summary>dw += ∂L/∂w given x and dy; the same bits for any thread count.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv3DGeometry g)
    {
        Validate(g, x.Length, dw.Length, dy.Length, "dy");
        Conv3DKernel.BackwardKernel(dy, x, dw, g);
    }

    /// <summary>The transposed input is g's output side (<paramref name="inputLength"/> = g.OutputLength), the transposed output its input side.</summary>
    private static void Validate(in Conv3DGeometry g, int inputLength, int kernelLength, int outputLength, string output)
    {
        g.Validate();
        if (g.Groups != 1)
            throw new ArgumentException($"Conv3DTranspose geometry {g} has groups {g.Groups}; a transposed convolution here has one.");
        if (inputLength != g.OutputLength || kernelLength != g.KernelLength || outputLength != g.InputLength)
            throw new ArgumentException(
                $"Conv3DTranspose geometry {g} needs input {g.OutputLength}, kernel {g.KernelLength} and {output} {g.InputLength} elements; " +
                $"got {inputLength}, {kernelLength} and {outputLength}.");
    }
}
