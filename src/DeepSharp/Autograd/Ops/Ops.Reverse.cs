using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>The elements in reverse order along <paramref name="axis"/> (negative counts from the end), copied.</summary>
    public static Tensor Reverse(Tensor x, int axis)
    {
        int a = axis < 0 ? axis + x.Rank : axis;
        if (a < 0 || a >= x.Rank) throw new ShapeMismatchException($"Reverse axis {axis} is outside a tensor of shape {x.Shape}.");
        var y = x.TempLike();
        var (outer, inner) = AxisBlocks(x.Shape, a);
        ReverseBlocks(x.Span, y.Span, outer, x.Shape[a], inner, accumulate: false);
        return OpNode.Needed(x) ? new ReverseNode(x, outer, inner).Attach(y) : y;
    }

    /// <summary>dst[o, n − 1 − i, :] (+)= src[o, i, :] for an (outer, n, inner) layout.</summary>
    private static void ReverseBlocks(ReadOnlySpan<float> src, Span<float> dst, int outer, int n, int inner, bool accumulate)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < n; i++)
            {
                var from = src.Slice((o * n + i) * inner, inner);
                var to = dst.Slice((o * n + n - 1 - i) * inner, inner);
                if (accumulate) TensorPrimitives.Add(to, from, to);
                else from.CopyTo(to);
            }
    }

    private sealed class ReverseNode(Tensor x, int outer, int inner) : OpNode(x)
    {
        public override string Name => "Reverse";
        public override void Backward(Tensor output, Tensor dy)
        {
            int n = outer * inner == 0 ? 0 : x.Size / (outer * inner);
            if (GradOf(0) is { } dx) ReverseBlocks(dy.Span, dx.Span, outer, n, inner, accumulate: true);
        }
    }
}
