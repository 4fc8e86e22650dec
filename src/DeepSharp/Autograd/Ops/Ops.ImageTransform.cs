using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Applies one affine or projective transform per image of x (N, H, W, C) with bilinear (or nearest) sampling.
    /// <paramref name="transforms"/> (N, 6) maps each output pixel (x, y) to the input point
    /// (a0·x + a1·y + a2, b0·x + b1·y + b2); (N, 8) divides that point by c0·x + c1·y + 1 (a homography).
    /// Differentiable with respect to x only.
    /// </summary>
    internal static Tensor ImageTransform(Tensor x, Tensor transforms, EdgeFill fillMode = EdgeFill.Reflect, float fillValue = 0f, bool nearest = false)
    {
        if (x.Rank != 4) throw new ShapeMismatchException($"ImageTransform needs x (N, H, W, C); got {x.Shape}.");
        if (transforms.Rank != 2 || transforms.Shape[0] != x.Shape[0] || transforms.Shape[1] is not (6 or 8))
            throw new ShapeMismatchException($"ImageTransform of x {x.Shape} needs transforms ({x.Shape[0]}, 6) or ({x.Shape[0]}, 8); got {transforms.Shape}.");
        var g = new ImageTransformGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], fillMode, fillValue, transforms.Shape[1] == 8, nearest);
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
