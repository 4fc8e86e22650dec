using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>Adds zero rows and columns around x (N, H, W, C): (N, top + H + bottom, left + W + right, C).</summary>
    public static Tensor ZeroPad2D(Tensor x, (int Top, int Bottom) rows, (int Left, int Right) columns)
    {
        if (x.Rank != 4) throw new ShapeMismatchException($"ZeroPad2D needs x (N, H, W, C); got {x.Shape}.");
        return Window2D(x, Pad2DGeometry.Padding(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], rows.Top, rows.Bottom, columns.Left, columns.Right));
    }

    /// <summary>Removes rows and columns from the edges of x (N, H, W, C): (N, H − top − bottom, W − left − right, C).</summary>
    public static Tensor Crop2D(Tensor x, (int Top, int Bottom) rows, (int Left, int Right) columns)
    {
        if (x.Rank != 4) throw new ShapeMismatchException($"Crop2D needs x (N, H, W, C); got {x.Shape}.");
        return Window2D(x, Pad2DGeometry.Cropping(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], rows.Top, rows.Bottom, columns.Left, columns.Right));
    }

    private static Tensor Window2D(Tensor x, Pad2DGeometry g)
    {
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, g.Channels));
        Pad2DKernel.Forward(x.Span, y.Span, g);
        return OpNode.Needed(x) ? new Window2DNode(x, g).Attach(y) : y;
    }

    private sealed class Window2DNode(Tensor x, Pad2DGeometry g) : OpNode(x)
    {
        public override string Name => g.Top >= 0 && g.Left >= 0 ? "ZeroPad2D" : "Crop2D";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) Pad2DKernel.Backward(dy.Span, dx.Span, g);
        }
    }
}
