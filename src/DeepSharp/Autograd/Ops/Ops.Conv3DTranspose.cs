using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Transposed 3-D convolution (Keras's Conv3DTranspose): x (N, D, H, W, Cin), kernel (KD, KH, KW, filters, Cin),
    /// bias (filters) or null → (N, OD, OH, OW, filters), the input gradient of a Conv3D with the same kernel, strides,
    /// padding and dilation. Per axis, with K the dilated kernel extent: "valid" D·s + max(K − s, 0), or
    /// (D − 1)·s + K + outputPadding; "same" D·s, or (D − 1)·s + K mod 2 + outputPadding. <paramref name="outputPadding"/>
    /// is Keras's <c>output_padding</c> (each below its stride; null for Keras's default).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    /// <exception cref="ArgumentException">A stride, dilation or output padding is out of range, or the output does not fit 32-bit indexing.</exception>
    public static Tensor Conv3DTranspose(Tensor x, Tensor kernel, Tensor? bias, (int D, int H, int W) strides, bool samePadding,
        (int D, int H, int W) dilation = default, (int D, int H, int W)? outputPadding = null)
    {
        if (x.Rank != 5 || kernel.Rank != 5 || x.Shape[4] != kernel.Shape[4])
            throw new ShapeMismatchException(
                $"Conv3DTranspose needs x (N, D, H, W, Cin) and kernel (KD, KH, KW, filters, Cin) with matching Cin; got x {x.Shape}, kernel {kernel.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != kernel.Shape[3]))
            throw new ShapeMismatchException($"Conv3DTranspose bias {bias.Shape} does not match kernel {kernel.Shape}.");
        if (dilation == default) dilation = (1, 1, 1);
        var g = Conv3DTransposeGeometry.Create(x.Shape[0], (x.Shape[1], x.Shape[2], x.Shape[3]), x.Shape[4], kernel.Shape[3],
            (kernel.Shape[0], kernel.Shape[1], kernel.Shape[2]), strides, samePadding, dilation, outputPadding);
        var y = Tensor.Temp(new Shape(g.Batch, g.InD, g.InH, g.InW, g.InC));
        Conv3DTransposeKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, g);
        return OpNode.Needed(x, kernel, bias) ? new Conv3DTransposeNode(x, kernel, bias, g).Attach(y) : y;
    }

    private sealed class Conv3DTransposeNode : OpNode
    {
        private readonly Tensor _x, _kernel;
        private readonly Conv3DGeometry _g; // the convolution whose input gradient this op is

        public Conv3DTransposeNode(Tensor x, Tensor kernel, Tensor? bias, Conv3DGeometry g) : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _g) = (x, kernel, g);
        }

        public override string Name => "Conv3DTranspose";

        public override void Backward(Tensor output, Tensor dy)
        {
            // y = convᵀ(x): dx = conv(dy); dW as the convolution's kernel gradient with dy as its input and x as its output gradient.
            if (GradForWrite(0, out bool accumulate) is { } dx)
            {
                var scratch = accumulate ? Tensor.Temp(_x.Shape) : null;
                Conv3DTransposeKernel.BackwardInput(dy.Span, _kernel.Span, dx.Span, scratch is null ? default : scratch.Span, accumulate, _g);
            }
            if (GradOf(1) is { } dk) Conv3DTransposeKernel.BackwardKernel(_x.Span, dy.Span, dk.Span, _g);
            if (InputCount > 2 && GradOf(2) is { } db) Reductions.SumRows(dy.Span, db.Span, _g.Batch * _g.InD * _g.InH * _g.InW, _g.InC);
        }
    }
}
