using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Elements [start, start + length) of <paramref name="axis"/>, copied (torch.narrow). A negative axis or
    /// start counts from the end: <c>Slice(1, -2, 2)</c> is the last two columns.
    /// </summary>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        int a = axis < 0 ? axis + x.Rank : axis;
        if (a < 0 || a >= x.Rank) throw new ShapeMismatchException($"Slice axis {axis} is outside a tensor of shape {x.Shape}.");
        int given = start;
        if (start < 0) start += x.Shape[a];
        if (start < 0 || length < 0 || (long)start + length > x.Shape[a])
            throw new ArgumentOutOfRangeException(nameof(start), given < 0
                ? $"Slice: start {given} (element {start}) with length {length} is outside axis {axis} of {x.Shape}."
                : $"Slice: [{start}, {(long)start + length}) is outside axis {axis} of {x.Shape}.");
        var dims = x.Shape.ToArray();
        dims[a] = length;
        var y = Tensor.Temp(new Shape(dims));
        var (outer, inner) = AxisBlocks(x.Shape, a);
        int from = x.Shape[a] * inner, to = length * inner;
        var src = x.Span;
        var dst = y.Span;
        for (int o = 0; o < outer; o++) src.Slice(o * from + start * inner, to).CopyTo(dst.Slice(o * to, to));
        return OpNode.Needed(x) ? new SliceNode(x, outer, from, start * inner, to).Attach(y) : y;
    }

    /// <summary>The products of the dimensions before and after <paramref name="axis"/>.</summary>
    private static (int Outer, int Inner) AxisBlocks(Shape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Rank; i++) inner *= shape[i];
        return (outer, inner);
    }

    private sealed class SliceNode(Tensor x, int outer, int from, int offset, int to) : OpNode(x)
    {
        public override string Name => "Slice";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            for (int o = 0; o < outer; o++)
            {
                var row = d.Slice(o * from + offset, to);
                TensorPrimitives.Add(row, g.Slice(o * to, to), row);
            }
        }
    }
}
