using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Resizes x (N, H, W, C) to (N, height, width, C) with half-pixel centres and no antialiasing (TensorFlow's and
    /// Keras's resize): <paramref name="bilinear"/> interpolates between the four nearest pixels, otherwise the nearest
    /// pixel is read. Gradients go back to the pixels read, with their weights.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x is not (N, H, W, C) with H, W ≥ 1, or a target side is below 1.</exception>
    public static Tensor Resize(Tensor x, int height, int width, bool bilinear)
    {
        if (x.Rank != 4 || x.Shape[1] < 1 || x.Shape[2] < 1 || height < 1 || width < 1)
            throw new ShapeMismatchException($"Resize needs x (N, H, W, C) with H, W ≥ 1 and a target of at least 1×1; got {x.Shape} → ({height}, {width}).");
        var g = new ResizeGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], height, width);
        g.Validate();
        if (g.InH == height && g.InW == width) return x;
        var y = Tensor.Temp(new Shape(g.Batch, height, width, g.Channels));
        ResizeKernel.Forward(x.Span, y.Span, g, bilinear);
        return OpNode.Needed(x) ? new ResizeNode(x, g, bilinear).Attach(y) : y;
    }

    private sealed class ResizeNode(Tensor x, ResizeGeometry g, bool bilinear) : OpNode(x)
    {
        public override string Name => bilinear ? "Resize(bilinear)" : "Resize(nearest)";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) ResizeKernel.Backward(dy.Span, dx.Span, g, bilinear);
        }
    }
}
