using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Applies one affine transform per image of x (N, H, W, C) with bilinear sampling.
    /// <paramref name="transforms"/> (N, 6) maps each output pixel (x, y) to the input point
    /// (a0·x + a1·y + a2, b0·x + b1·y + b2). Differentiable with respect to x only.
    /// </summary>
    internal static Tensor ImageTransform(Tensor x, Tensor transforms, EdgeFill fillMode = EdgeFill.Reflect, float fillValue = 0f)
    {
        if (x.Rank != 4) throw new ShapeMismatchException($"ImageTransform needs x (N, H, W, C); got {x.Shape}.");
        if (transforms.Rank != 2 || transforms.Shape[0] != x.Shape[0] || transforms.Shape[1] != 6)
            throw new ShapeMismatchException($"ImageTransform of x {x.Shape} needs transforms ({x.Shape[0]}, 6); got {transforms.Shape}.");
        var g = new ImageTransformGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], fillMode, fillValue);
        var y = x.TempLike();
        ImageTransformKernel.Forward(x.Span, transforms.Span, y.Span, g);
        return OpNode.Needed(x) ? new ImageTransformNode(x, transforms, g).Attach(y) : y;
    }

    private sealed class ImageTransformNode(Tensor x, Tensor transforms, ImageTransformGeometry g) : OpNode(x)
    {
        public override string Name => "ImageTransform";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) ImageTransformKernel.Backward(dy.Span, transforms.Span, dx.Span, g);
        }
    }
}
