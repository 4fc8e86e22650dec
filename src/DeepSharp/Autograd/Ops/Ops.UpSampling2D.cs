using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Upsamples x (N, H, W, C) by whole factors to (N, H·size.H, W·size.W, C): nearest repeats each
    /// pixel (Keras's "nearest"); <paramref name="bilinear"/> interpolates with half-pixel centres
    /// (Keras's "bilinear", TensorFlow's resize without antialiasing).
    /// </summary>
    public static Tensor UpSampling2D(Tensor x, (int H, int W) size, bool bilinear)
    {
        if (x.Rank != 4) throw new ShapeMismatchException($"UpSampling2D needs x (N, H, W, C); got {x.Shape}.");
        var g = UpSampling2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], size.H, size.W);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, g.Channels));
        if (bilinear) UpSampling2DKernel.BilinearForward(x.Span, y.Span, g);
        else UpSampling2DKernel.NearestForward(x.Span, y.Span, g);
        return OpNode.Needed(x) ? new UpSampling2DNode(x, g, bilinear).Attach(y) : y;
    }

    private sealed class UpSampling2DNode(Tensor x, UpSampling2DGeometry g, bool bilinear) : OpNode(x)
    {
        public override string Name => bilinear ? "UpSampling2D(bilinear)" : "UpSampling2D";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            if (bilinear) UpSampling2DKernel.BilinearBackward(dy.Span, dx.Span, g);
            else UpSampling2DKernel.NearestBackward(dy.Span, dx.Span, g);
        }
    }
}
