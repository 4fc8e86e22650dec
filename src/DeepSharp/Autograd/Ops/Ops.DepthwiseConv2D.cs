using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Depthwise 2-D convolution: x (N, H, W, C), kernel (KH, KW, C, M), bias (C·M) or null →
    /// (N, OH, OW, C·M), output channel c·M + m being input channel c through its filter m. Sizes and
    /// "same" padding as <see cref="Conv2D"/>.
    /// </summary>
    public static Tensor DepthwiseConv2D(Tensor x, Tensor kernel, Tensor? bias, (int H, int W) strides, bool samePadding, (int H, int W) dilation = default)
    {
        if (x.Rank != 4 || kernel.Rank != 4 || x.Shape[3] != kernel.Shape[2])
            throw new ShapeMismatchException($"DepthwiseConv2D needs x (N, H, W, C) and kernel (KH, KW, C, M) with matching C; got x {x.Shape}, kernel {kernel.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != (long)kernel.Shape[2] * kernel.Shape[3]))
            throw new ShapeMismatchException($"DepthwiseConv2D bias {bias.Shape} does not match kernel {kernel.Shape} (C·M elements).");
        if (dilation == default) dilation = (1, 1);
        var g = DepthwiseConv2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernel.Shape[3],
            kernel.Shape[0], kernel.Shape[1], strides.H, strides.W, samePadding, dilation.H, dilation.W);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, g.OutC));
        DepthwiseConv2DKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, g);
        return OpNode.Needed(x, kernel, bias) ? new DepthwiseConv2DNode(x, kernel, bias, g).Attach(y) : y;
    }

    private sealed class DepthwiseConv2DNode : OpNode
    {
        private readonly Tensor _x, _kernel;
        private readonly DepthwiseConv2DGeometry _g;

        public DepthwiseConv2DNode(Tensor x, Tensor kernel, Tensor? bias, DepthwiseConv2DGeometry g) : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _g) = (x, kernel, g);
        }

        public override string Name => "DepthwiseConv2D";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) DepthwiseConv2DKernel.BackwardInput(dy.Span, _kernel.Span, dx.Span, _g);
            if (GradOf(1) is { } dk) DepthwiseConv2DKernel.BackwardKernel(_x.Span, dy.Span, dk.Span, _g);
            if (InputCount > 2 && GradOf(2) is { } db) Reductions.SumRows(dy.Span, db.Span, _g.Batch * _g.OutH * _g.OutW, _g.OutC);
        }
    }
}
