using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>3-D max pooling over x (N, D, H, W, C); "valid" floors the output size, "same" never lets padding win.</summary>
    /// <exception cref="ShapeMismatchException">x is not (N, D, H, W, C).</exception>
    /// <exception cref="ArgumentException">A pool size or stride is not positive.</exception>
    public static Tensor MaxPool3D(Tensor x, (int D, int H, int W) poolSize, (int D, int H, int W) strides, bool samePadding)
    {
        var g = Pool3D(x, poolSize, strides, samePadding, "MaxPool3D");
        var outShape = new Shape(g.Batch, g.OutD, g.OutH, g.OutW, g.Channels);
        var y = Tensor.Temp(outShape);
        var argmax = Tensor.IntTemp(outShape);
        MaxPool3DKernel.Forward(x.Span, y.Span, argmax.IntSpan, g);
        return OpNode.Needed(x) ? new MaxPool3DNode(x, argmax, g).Attach(y) : y;
    }

    /// <summary>
    /// 3-D average pooling over x (N, D, H, W, C); "valid" floors the output size, "same" averages only
    /// the input elements a window covers (padding is not counted, as in Keras).
    /// </summary>
    /// <exception cref="ShapeMismatchException">x is not (N, D, H, W, C).</exception>
    /// <exception cref="ArgumentException">A pool size or stride is not positive.</exception>
    public static Tensor AvgPool3D(Tensor x, (int D, int H, int W) poolSize, (int D, int H, int W) strides, bool samePadding)
    {
        var g = Pool3D(x, poolSize, strides, samePadding, "AvgPool3D");
        var y = Tensor.Temp(new Shape(g.Batch, g.OutD, g.OutH, g.OutW, g.Channels));
        AvgPool3DKernel.Forward(x.Span, y.Span, g);
        return OpNode.Needed(x) ? new AvgPool3DNode(x, g).Attach(y) : y;
    }

    private static Pool3DGeometry Pool3D(Tensor x, (int D, int H, int W) poolSize, (int D, int H, int W) strides, bool samePadding, string op)
    {
        if (x.Rank != 5)
            throw new ShapeMismatchException($"{op} needs x (N, D, H, W, C); got {x.Shape}.");
        if (poolSize.D < 1 || poolSize.H < 1 || poolSize.W < 1 || strides.D < 1 || strides.H < 1 || strides.W < 1)
            throw new ArgumentException($"{op} pool size and strides must be positive; got {poolSize}, {strides}.");
        return Pool3DGeometry.Create(x.Shape[0], (x.Shape[1], x.Shape[2], x.Shape[3]), x.Shape[4], poolSize, strides, samePadding);
    }

    private sealed class MaxPool3DNode(Tensor x, Tensor argmax, Pool3DGeometry g) : OpNode(x)
    {
        public override string Name => "MaxPool3D";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) MaxPool3DKernel.Backward(dy.Span, argmax.IntSpan, dx.Span, g);
        }
    }

    private sealed class AvgPool3DNode(Tensor x, Pool3DGeometry g) : OpNode(x)
    {
        public override string Name => "AvgPool3D";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) AvgPool3DKernel.Backward(dy.Span, dx.Span, g);
        }
    }
}
