using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>2-D max pooling over x (N, H, W, C); "valid" floors the output size.</summary>
    public static Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W) strides, bool samePadding)
    {
        if (x.Rank != 4)
            throw new ShapeMismatchException($"MaxPool2D needs x (N, H, W, C); got {x.Shape}.");
        if (poolSize.H < 1 || poolSize.W < 1 || strides.H < 1 || strides.W < 1)
            throw new ArgumentException($"MaxPool2D pool size and strides must be positive; got {poolSize}, {strides}.");
        var g = Pool2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], poolSize.H, poolSize.W, strides.H, strides.W, samePadding);
        var outShape = new Shape(g.Batch, g.OutH, g.OutW, g.Channels);
        var y = Tensor.Temp(outShape);
        var argmax = Tensor.IntTemp(outShape);
        MaxPool2DKernel.Forward(x.Span, y.Span, argmax.IntSpan, g);
        return OpNode.Needed(x) ? new MaxPool2DNode(x, argmax, g).Attach(y) : y;
    }

    private sealed class MaxPool2DNode(Tensor x, Tensor argmax, Pool2DGeometry g) : OpNode(x)
    {
        public override string Name => "MaxPool2D";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradForWrite(0, out bool accumulate) is not { } dx) return;
            // The first writer of a ReLU output's gradient applies the ReLU's mask as it scatters
            // (relu'(z) at the argmax is [pooled maximum > 0]) and spares the ReLU its pass.
            var relu = !accumulate && x.GradFn is IReluOutputNode { ReluOutput: true } r ? r : null;
            MaxPool2DKernel.Backward(dy.Span, argmax.IntSpan, dx.Span, g, accumulate, relu is null ? default : output.Span);
            relu?.GradientMasked(dx);
        }
    }
}
