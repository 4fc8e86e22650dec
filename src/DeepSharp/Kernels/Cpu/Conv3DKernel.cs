using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A 3-D convolution as im2col + GEMM, one depth slice of the output at a time: output slice
// (n, od) is OutH·OutW rows, and its columns matrix holds, for each row, the KD·KH·KW taps of
// Cin/G channels it reads (zeros where a tap falls in the padding), in the kernel's (kd, kh, kw, ci)
// order, so the kernel (KD·KH·KW·Cin/G, Cout) is the GEMM's right operand as it lies in memory.
// Slices are gathered in blocks of about 4 MB of columns (parallel over the block's slices), and
// each block is one Gemm.Multiply:
//   forward          y[block rows, group's filters]  = cols · w[:, group's filters]
//   input gradient   cols = dy[block rows, group's filters] · w[:, group's filters]ᵀ, scattered back
//                    into dx (parallel over the block's samples, each sample's slices in order)
//   kernel gradient  dw[:, group's filters]         += colsᵀ · dy[block rows, group's filters]
// Determinism: block sizes depend only on the geometry, GEMM sums each element in a fixed order
// whatever the thread count, and every dx element is summed in (block, slice, tap) order by one
// thread, so results are bit-identical for any thread count.

/// <summary>3-D convolution over NDHWC volumes; see <see cref="NaiveConv3D"/> for the exact contract.</summary>
internal static unsafe class Conv3DKernel
{
    /// <summary>Writes y = conv(x, w) + bias. An empty <paramref name="bias"/> means no bias.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv3DGeometry g)
    {
        Validate(g, x.Length, w.Length, y.Length, "y");
        if (!bias.IsEmpty && bias.Length != g.OutC)
            throw new ArgumentException($"Conv3D bias has {bias.Length} elements; {g.OutC} filters need {g.OutC}.");
        if (g.OutputLength == 0) return;
        fixed (float* px = x, pw = w, py = y)
            Conv3DColumns.Forward(px, pw, py, g);
        if (bias.IsEmpty) return;
        int rows = g.OutputLength / g.OutC;
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * g.OutC, g.OutC);
            System.Numerics.Tensors.TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in Conv3DGeometry g)
    {
        Validate(g, dx.Length, w.Length, dy.Length, "dy");
        if (g.OutputLength == 0 || g.InputLength == 0) return;
        fixed (float* pdy = dy, pw = w, pdx = dx)
            Conv3DColumns.BackwardInput(pdy, pw, pdx, g);
    }

    /// <summary>dw += ∂L/∂w given x and dy; bit-identical for any thread count.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or a span does not match it.</exception>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv3DGeometry g)
    {
        Validate(g, x.Length, dw.Length, dy.Length, "dy");
        if (g.OutputLength == 0 || g.KernelLength == 0) return;
        fixed (float* px = x, pdy = dy, pdw = dw)
            Conv3DColumns.BackwardKernel(px, pdy, pdw, g);
    }

    private static void Validate(in Conv3DGeometry g, int inputLength, int kernelLength, int outputLength, string output)
    {
        g.Validate();
        if (inputLength != g.InputLength || kernelLength != g.KernelLength || outputLength != g.OutputLength)
            throw new ArgumentException(
                $"Conv3D geometry {g} needs input {g.InputLength}, kernel {g.KernelLength} and {output} {g.OutputLength} elements; " +
                $"got {inputLength}, {kernelLength} and {outputLength}.");
    }
}
