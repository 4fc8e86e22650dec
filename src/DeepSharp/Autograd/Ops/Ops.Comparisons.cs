using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Elementwise comparisons with broadcasting, giving a float32 tensor of 1 (true) and 0 (false) —
/// Keras returns bool; a 0/1 float mask multiplies, sums and averages directly (accuracy is
/// Mean(Equal(a, b))). They record no gradient (it is zero almost everywhere). <see cref="Where(Tensor, Tensor, Tensor)"/>
/// takes such a mask, or any tensor, as its condition: non-zero is true.
/// </summary>
public static partial class Ops
{
    /// <summary>1 where a = b, else 0 (NaN equals nothing).</summary>
    public static Tensor Equal(Tensor a, Tensor b) => Compare(a, b, ComparisonKind.Equal, "Equal");
    /// <summary>1 where a ≠ b, else 0 (NaN differs from everything).</summary>
    public static Tensor NotEqual(Tensor a, Tensor b) => Compare(a, b, ComparisonKind.NotEqual, "NotEqual");
    /// <summary>1 where a &gt; b, else 0.</summary>
    public static Tensor Greater(Tensor a, Tensor b) => Compare(a, b, ComparisonKind.Greater, "Greater");
    /// <summary>1 where a ≥ b, else 0.</summary>
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Compare(a, b, ComparisonKind.GreaterEqual, "GreaterEqual");
    /// <summary>1 where a &lt; b, else 0.</summary>
    public static Tensor Less(Tensor a, Tensor b) => Compare(a, b, ComparisonKind.Less, "Less");
    /// <summary>1 where a ≤ b, else 0.</summary>
    public static Tensor LessEqual(Tensor a, Tensor b) => Compare(a, b, ComparisonKind.LessEqual, "LessEqual");

    /// <summary>1 where x = s, else 0.</summary>
    public static Tensor Equal(Tensor x, float s) => Compare(x, Tensor.Scalar(s), ComparisonKind.Equal, "Equal");
    /// <summary>1 where x ≠ s, else 0.</summary>
    public static Tensor NotEqual(Tensor x, float s) => Compare(x, Tensor.Scalar(s), ComparisonKind.NotEqual, "NotEqual");
    /// <summary>1 where x &gt; s, else 0.</summary>
    public static Tensor Greater(Tensor x, float s) => Compare(x, Tensor.Scalar(s), ComparisonKind.Greater, "Greater");
    /// <summary>1 where x ≥ s, else 0.</summary>
    public static Tensor GreaterEqual(Tensor x, float s) => Compare(x, Tensor.Scalar(s), ComparisonKind.GreaterEqual, "GreaterEqual");
    /// <summary>1 where x &lt; s, else 0.</summary>
    public static Tensor Less(Tensor x, float s) => Compare(x, Tensor.Scalar(s), ComparisonKind.Less, "Less");
    /// <summary>1 where x ≤ s, else 0.</summary>
    public static Tensor LessEqual(Tensor x, float s) => Compare(x, Tensor.Scalar(s), ComparisonKind.LessEqual, "LessEqual");

    /// <summary>
    /// Elementwise choice (NumPy's where, Keras's ops.where): a where <paramref name="condition"/> is
    /// non-zero, else b; the three broadcast together. The gradient goes to a where the condition
    /// holds and to b elsewhere (never to the condition). Unlike c·a + (1 − c)·b, an infinite or NaN
    /// value in the branch not taken does not leak into the result. Its gradient there is 0, but an op
    /// before Where whose own derivative is infinite there (Log at 0) still gives 0·∞ = NaN, as in
    /// PyTorch and TensorFlow: guard that op's input with a Where as well.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var shape = Broadcasting.BroadcastShapes(Broadcasting.BroadcastShapes(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
        var c = Broadcasting.Expand(condition, shape);
        var y = Tensor.Temp(shape);
        Comparisons.Select(c.Span, Broadcasting.Expand(a, shape).Span, Broadcasting.Expand(b, shape).Span, y.Span);
        return OpNode.Needed(a, b) ? new WhereNode(condition, a, b).Attach(y) : y;
    }

    /// <summary>a where <paramref name="condition"/> is non-zero, else the scalar b.</summary>
    public static Tensor Where(Tensor condition, Tensor a, float b) => Where(condition, a, Tensor.Scalar(b));

    /// <summary>The scalar a where <paramref name="condition"/> is non-zero, else b.</summary>
    public static Tensor Where(Tensor condition, float a, Tensor b) => Where(condition, Tensor.Scalar(a), b);

    private static Tensor Compare(Tensor a, Tensor b, ComparisonKind kind, string op)
    {
        var shape = Broadcasting.BroadcastShapes(a.Shape, b.Shape, op);
        var y = Tensor.Temp(shape);
        Comparisons.Compare(kind, Broadcasting.Expand(a, shape).Span, Broadcasting.Expand(b, shape).Span, y.Span);
        return y;
    }

    private sealed class WhereNode(Tensor condition, Tensor a, Tensor b) : OpNode(a, b)
    {
        public override string Name => "Where";

        public override void Backward(Tensor output, Tensor dy)
        {
            var c = Broadcasting.Expand(condition, output.Shape);
            for (int i = 0; i < 2; i++)
            {
                if (GradOf(i) is not { } dx) continue;
                if (dx.Shape == output.Shape)
                {
                    Comparisons.SelectBackward(c.Span, dy.Span, dx.Span, whereTrue: i == 0);
                    continue;
                }
                var partial = Tensor.Temp(output.Shape, clear: true);
                Comparisons.SelectBackward(c.Span, dy.Span, partial.Span, whereTrue: i == 0);
                Broadcasting.AccumulateReduced(partial, dx);
            }
        }
    }
}
