using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Resizes x (N, H, W, C) to (N, height, width, C) as TensorFlow's <c>tf.image.resize(method, antialias)</c> (which
    /// Keras's Resizing uses): bicubic (Keys, a = −0.5), area (box averaging), Lanczos 3 and 5, Gaussian, Mitchell cubic,
    /// and bilinear (with <paramref name="antialias"/> the triangle filter stretched when shrinking). Every method is
    /// linear in x; gradients go back through the transposed weights.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x is not (N, H, W, C) with H, W ≥ 1, or a target side is below 1.</exception>
    internal static Tensor Resize(Tensor x, int height, int width, ResizeMethod method, bool antialias)
    {
        if (x.Rank != 4 || x.Shape[1] < 1 || x.Shape[2] < 1 || height < 1 || width < 1)
            throw new ShapeMismatchException($"Resize ({method}) needs x (N, H, W, C) with H, W ≥ 1 and a target of at least 1×1; got {x.Shape} → ({height}, {width}).");
        var g = new ResizeGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], height, width);
        g.Validate();
        var rows = ResizeTaps.For(method, antialias, g.InH, height);
        var columns = ResizeTaps.For(method, antialias, g.InW, width);
        var y = Tensor.Temp(new Shape(g.Batch, height, width, g.Channels));
        var scratch = Tensor.Temp(new Shape(FilteredResizeKernel.ScratchLength(g)));
        FilteredResizeKernel.Forward(x.Span, y.Span, scratch.Span, g, rows, columns);
        return OpNode.Needed(x) ? new FilteredResizeNode(x, g, rows, columns, method).Attach(y) : y;
    }

    private sealed class FilteredResizeNode(Tensor x, ResizeGeometry g, ResizeTaps rows, ResizeTaps columns, ResizeMethod method) : OpNode(x)
    {
        public override string Name => $"Resize({method})";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var scratch = Tensor.Temp(new Shape(FilteredResizeKernel.ScratchLength(g)));
            FilteredResizeKernel.Backward(dy.Span, dx.Span, scratch.Span, g, rows, columns);
        }
    }
}
