using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>Sum of all elements, as a scalar tensor.</summary>
    public static Tensor Sum(Tensor x)
    {
        var y = Tensor.Temp(Shape.Scalar);
        y.Span[0] = Reductions.Sum(x.Span);
        return OpNode.Needed(x) ? new SumNode(x, 1f).Attach(y) : y;
    }

    /// <summary>Mean of all elements, as a scalar tensor (NaN for an empty tensor).</summary>
    public static Tensor Mean(Tensor x)
    {
        var y = Tensor.Temp(Shape.Scalar);
        y.Span[0] = Reductions.Sum(x.Span) / x.Size;
        return OpNode.Needed(x) ? new SumNode(x, 1f / x.Size).Attach(y) : y;
    }

    /// <summary>Sum over the last axis: (..., n) → (...).</summary>
    public static Tensor SumLastAxis(Tensor x)
    {
        var (rows, cols) = RowsAndLastAxis(x, "SumLastAxis");
        var y = Tensor.Temp(new Shape(x.Shape.Dims[..^1]));
        var xs = x.Span;
        var ys = y.Span;
        for (int r = 0; r < rows; r++) ys[r] = Reductions.Sum(xs.Slice(r * cols, cols));
        return OpNode.Needed(x) ? new SumLastAxisNode(x).Attach(y) : y;
    }

    private sealed class SumNode(Tensor x, float scale) : OpNode(x)
    {
        public override string Name => "Sum";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) TensorPrimitives.Add(dx.Span, dy.Span[0] * scale, dx.Span);
        }
    }

    private sealed class SumLastAxisNode(Tensor x) : OpNode(x)
    {
        public override string Name => "SumLastAxis";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var (rows, cols) = RowsAndLastAxis(x, Name);
            var d = dx.Span;
            var g = dy.Span;
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(d.Slice(r * cols, cols), g[r], d.Slice(r * cols, cols));
        }
    }
}
