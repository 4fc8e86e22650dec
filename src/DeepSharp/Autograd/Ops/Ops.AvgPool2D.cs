using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// 2-D average pooling over x (N, H, W, C); "valid" floors the output size, "same" averages only
    /// the input elements a window covers (padding is not counted, as in Keras).
    /// </summary>
    public static Tensor AvgPool2D(Tensor x, (int H, int W) poolSize, (int H, int W) strides, bool samePadding)
    {
        if (x.Rank != 4)
            throw new ShapeMismatchException($"AvgPool2D needs x (N, H, W, C); got {x.Shape}.");
        if (poolSize.H < 1 || poolSize.W < 1 || strides.H < 1 || strides.W < 1)
            throw new ArgumentException($"AvgPool2D pool size and strides must be positive; got {poolSize}, {strides}.");
        var g = Pool2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], poolSize.H, poolSize.W, strides.H, strides.W, samePadding);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, g.Channels));
        AvgPool2DKernel.Forward(x.Span, y.Span, g);
        return OpNode.Needed(x) ? new AvgPool2DNode(x, g).Attach(y) : y;
    }

    private sealed class AvgPool2DNode(Tensor x, Pool2DGeometry g) : OpNode(x)
    {
        public override string Name => "AvgPool2D";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) AvgPool2DKernel.Backward(dy.Span, dx.Span, g);
        }
    }
}
