using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// 3-D convolution: x (N, D, H, W, Cin), kernel (KD, KH, KW, Cin/groups, Cout), bias (Cout) or null →
    /// (N, OD, OH, OW, Cout). Padding "same" follows Keras (the odd extra plane/row/column goes at the far
    /// side); <paramref name="groups"/> splits the channels into that many independent convolutions.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes do not fit together.</exception>
    /// <exception cref="ArgumentException">A stride or dilation is not positive, or the groups do not divide the channels.</exception>
    public static Tensor Conv3D(Tensor x, Tensor kernel, Tensor? bias, (int D, int H, int W) strides, bool samePadding,
        (int D, int H, int W) dilation = default, int groups = 1)
    {
        if (x.Rank != 5 || kernel.Rank != 5 || groups < 1 || x.Shape[4] != kernel.Shape[3] * groups)
            throw new ShapeMismatchException(
                $"Conv3D needs x (N, D, H, W, Cin) and kernel (KD, KH, KW, Cin/groups, Cout) with Cin = {groups} groups · the kernel's fourth axis; got x {x.Shape}, kernel {kernel.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != kernel.Shape[4]))
            throw new ShapeMismatchException($"Conv3D bias {bias.Shape} does not match kernel {kernel.Shape}.");
        if (dilation == default) dilation = (1, 1, 1);
        var g = Conv3DGeometry.Create(x.Shape[0], (x.Shape[1], x.Shape[2], x.Shape[3]), x.Shape[4], kernel.Shape[4],
            (kernel.Shape[0], kernel.Shape[1], kernel.Shape[2]), strides, samePadding, dilation, groups);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutD, g.OutH, g.OutW, g.OutC));
        Conv3DKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, g);
        return OpNode.Needed(x, kernel, bias) ? new Conv3DNode(x, kernel, bias, g).Attach(y) : y;
    }

    private sealed class Conv3DNode : OpNode
    {
        private readonly Tensor _x, _kernel;
        private readonly Conv3DGeometry _g;

        public Conv3DNode(Tensor x, Tensor kernel, Tensor? bias, Conv3DGeometry g) : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _g) = (x, kernel, g);
        }

        public override string Name => "Conv3D";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) Conv3DKernel.BackwardInput(dy.Span, _kernel.Span, dx.Span, _g);
            if (GradOf(1) is { } dk) Conv3DKernel.BackwardKernel(_x.Span, dy.Span, dk.Span, _g);
            if (InputCount == 3 && GradOf(2) is { } db)
                Reductions.SumRows(dy.Span, db.Span, _g.OutputLength / Math.Max(_g.OutC, 1), _g.OutC);
        }
    }
}
