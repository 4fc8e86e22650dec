using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution: x (N, H, W, Cin), kernel (KH, KW, Cin, Cout), bias (Cout) or null →
    /// (N, OH, OW, Cout). Padding "same" follows Keras (the extra row/column goes bottom/right).
    /// </summary>
    public static Tensor Conv2D(Tensor x, Tensor kernel, Tensor? bias, (int H, int W) strides, bool samePadding, (int H, int W) dilation = default)
    {
        if (x.Rank != 4 || kernel.Rank != 4 || x.Shape[3] != kernel.Shape[2])
            throw new ShapeMismatchException($"Conv2D needs x (N, H, W, Cin) and kernel (KH, KW, Cin, Cout) with matching Cin; got x {x.Shape}, kernel {kernel.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != kernel.Shape[3]))
            throw new ShapeMismatchException($"Conv2D bias {bias.Shape} does not match kernel {kernel.Shape}.");
        if (strides.H < 1 || strides.W < 1)
            throw new ArgumentException($"Conv2D strides must be positive; got {strides}.");
        if (dilation == default) dilation = (1, 1);
        var g = Conv2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernel.Shape[3],
            kernel.Shape[0], kernel.Shape[1], strides.H, strides.W, samePadding, dilation.H, dilation.W);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, g.OutC));
        Conv2DKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, g);
        return OpNode.Needed(x, kernel, bias) ? new Conv2DNode(x, kernel, bias, g).Attach(y) : y;
    }

    private sealed class Conv2DNode : OpNode
    {
        private readonly Tensor _x, _kernel;
        private readonly Tensor? _bias;
        private readonly Conv2DGeometry _g;

        public Conv2DNode(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry g) : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _bias, _g) = (x, kernel, bias, g);
        }

        public override string Name => "Conv2D";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) Conv2DKernel.BackwardInput(dy.Span, _kernel.Span, dx.Span, _g);
            if (GradOf(1) is { } dk) Conv2DKernel.BackwardKernel(_x.Span, dy.Span, dk.Span, _g);
            if (_bias is not null && GradOf(2) is { } db)
                Reductions.SumRows(dy.Span, db.Span, _g.Batch * _g.OutH * _g.OutW, _g.OutC);
        }
    }
}
