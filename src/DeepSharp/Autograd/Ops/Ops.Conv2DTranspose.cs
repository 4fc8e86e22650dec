using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Transposed 2-D convolution (Keras's Conv2DTranspose): x (N, H, W, Cin), kernel (KH, KW, filters, Cin),
    /// bias (filters) or null → (N, OH, OW, filters), the input gradient of a convolution with the same
    /// kernel, strides, padding and dilation. "valid": OH = H·sh + max(KH_eff − sh, 0) ((H − 1)·sh + KH_eff
    /// when the kernel is at least the stride); "same": OH = H·sh. With Keras's <paramref name="outputPadding"/> p (each below
    /// its stride): "valid" OH = (H − 1)·sh + KH_eff + p, "same" OH = (H − 1)·sh + KH_eff mod 2 + p; the rows no tap reaches hold the bias.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    /// <exception cref="ArgumentException">A stride, dilation or output padding is out of range, or the output does not fit 32-bit indexing.</exception>
    public static Tensor Conv2DTranspose(Tensor x, Tensor kernel, Tensor? bias, (int H, int W) strides, bool samePadding, (int H, int W) dilation = default,
        (int H, int W)? outputPadding = null)
    {
        if (x.Rank != 4 || kernel.Rank != 4 || x.Shape[3] != kernel.Shape[3])
            throw new ShapeMismatchException($"Conv2DTranspose needs x (N, H, W, Cin) and kernel (KH, KW, filters, Cin) with matching Cin; got x {x.Shape}, kernel {kernel.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != kernel.Shape[2]))
            throw new ShapeMismatchException($"Conv2DTranspose bias {bias.Shape} does not match kernel {kernel.Shape}.");
        if (dilation == default) dilation = (1, 1);
        var g = Conv2DTransposeGeometryOf(x.Shape[0], (x.Shape[1], x.Shape[2]), x.Shape[3], kernel.Shape[2],
            (kernel.Shape[0], kernel.Shape[1]), strides, samePadding, dilation, outputPadding);
        var y = Tensor.Temp(new Shape(g.Batch, g.InH, g.InW, g.InC));
        Conv2DTransposeKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, g);
        return OpNode.Needed(x, kernel, bias) ? new Conv2DTransposeNode(x, kernel, bias, g).Attach(y) : y;
    }

    /// <summary>
    /// The convolution whose input gradient is the transposed convolution of (batch, input.H, input.W, inC) into
    /// <paramref name="filters"/> channels, with Keras 3's output sizes and front padding (<see cref="Conv3DTransposeGeometry.Axis"/>'s
    /// rules per axis when there is an output padding; null for Keras's <c>output_padding=None</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range or the geometry does not fit 32-bit indexing.</exception>
    internal static Conv2DGeometry Conv2DTransposeGeometryOf(int batch, (int H, int W) input, int inC, int filters, (int H, int W) kernel,
        (int H, int W) strides, bool samePadding, (int H, int W) dilation, (int H, int W)? outputPadding)
    {
        if (outputPadding is not { } p)
            return Conv2DTransposeGeometry.Create(batch, input.H, input.W, inC, filters, kernel.H, kernel.W, strides.H, strides.W, samePadding, dilation.H, dilation.W);
        var (outH, padTop) = Conv3DTransposeGeometry.Axis(input.H, kernel.H, strides.H, dilation.H, samePadding, p.H);
        var (outW, padLeft) = Conv3DTransposeGeometry.Axis(input.W, kernel.W, strides.W, dilation.W, samePadding, p.W);
        var g = new Conv2DGeometry(batch, outH, outW, filters, inC, kernel.H, kernel.W, strides.H, strides.W, padTop, padLeft, input.H, input.W,
            dilation.H, dilation.W);
        g.Validate();
        return g;
    }

    private sealed class Conv2DTransposeNode : OpNode
    {
        private readonly Tensor _x, _kernel;
        private readonly Conv2DGeometry _g; // the convolution whose input gradient this op is

        public Conv2DTransposeNode(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry g) : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _g) = (x, kernel, g);
        }

        public override string Name => "Conv2DTranspose";

        public override void Backward(Tensor output, Tensor dy)
        {
            // y = convᵀ(x): dx = conv(dy), dW as the convolution's kernel gradient with dy as its input and x as its output gradient.
            if (GradForWrite(0, out bool accumulate) is { } dx)
            {
                var scratch = accumulate ? Tensor.Temp(_x.Shape) : null;
                Conv2DTransposeKernel.BackwardInput(dy.Span, _kernel.Span, dx.Span, scratch is null ? default : scratch.Span, accumulate, _g);
            }
            if (GradOf(1) is { } dk) Conv2DKernel.BackwardKernel(dy.Span, _x.Span, dk.Span, _g);
            if (InputCount > 2 && GradOf(2) is { } db) Reductions.SumRows(dy.Span, db.Span, _g.Batch * _g.InH * _g.InW, _g.InC);
        }
    }
}
