using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

/// <summary>
/// Unary maths on TensorPrimitives, each beside its backward rule. Log, Clip, Abs, Sigmoid and Tanh
/// live with the losses and activations that first needed them (Ops.Elementwise, Ops.LossTerms,
/// Ops.Activations).
/// </summary>
public static partial class Ops
{
    /// <summary>eˣ elementwise; the gradient is dy·eˣ (the output, saved).</summary>
    public static Tensor Exp(Tensor x)
    {
        var y = x.TempLike();
        TensorPrimitives.Exp(x.Span, y.Span);
        return OpNode.Needed(x) ? new UnaryMathNode(x, UnaryMath.Exp, 0f).Attach(y) : y;
    }

    /// <summary>√x elementwise (NaN below 0); the gradient is dy / (2√x), infinite at 0.</summary>
    public static Tensor Sqrt(Tensor x)
    {
        var y = x.TempLike();
        TensorPrimitives.Sqrt(x.Span, y.Span);
        return OpNode.Needed(x) ? new UnaryMathNode(x, UnaryMath.Sqrt, 0f).Attach(y) : y;
    }

    /// <summary>x² elementwise; the gradient is 2x·dy.</summary>
    public static Tensor Square(Tensor x)
    {
        var y = x.TempLike();
        TensorPrimitives.Multiply(x.Span, x.Span, y.Span);
        return OpNode.Needed(x) ? new UnaryMathNode(x, UnaryMath.Square, 0f).Attach(y) : y;
    }

    /// <summary>−x elementwise.</summary>
    public static Tensor Negate(Tensor x) => Affine(x, -1f);

    /// <summary>
    /// x^<paramref name="exponent"/> elementwise (NaN for a negative x and a non-integer exponent, as
    /// MathF.Pow); the gradient is exponent·x^(exponent−1)·dy.
    /// </summary>
    public static Tensor Pow(Tensor x, float exponent)
    {
        var y = x.TempLike();
        TensorPrimitives.Pow(x.Span, exponent, y.Span);
        return OpNode.Needed(x) ? new UnaryMathNode(x, UnaryMath.Pow, exponent).Attach(y) : y;
    }

    /// <summary>
    /// a^b elementwise with broadcasting. Gradients, as PyTorch's: b·a^(b−1)·dy for a (0 where b = 0)
    /// and a^b·ln(a)·dy for b (0 where a^b = 0; NaN where a &lt; 0).
    /// </summary>
    public static Tensor Pow(Tensor a, Tensor b)
    {
        var shape = Broadcasting.BroadcastShapes(a.Shape, b.Shape, "Pow");
        var ea = Broadcasting.Expand(a, shape);
        var eb = Broadcasting.Expand(b, shape);
        var y = Tensor.Temp(shape);
        TensorPrimitives.Pow(ea.Span, eb.Span, y.Span);
        return OpNode.Needed(a, b) ? new PowNode(a, b).Attach(y) : y;
    }

    private enum UnaryMath { Exp, Sqrt, Square, Pow }

    private sealed class UnaryMathNode(Tensor x, UnaryMath kind, float exponent) : OpNode(x)
    {
        public override string Name => kind.ToString();

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var xs = x.Span;
            var ys = output.Span;
            switch (kind)
            {
                case UnaryMath.Exp:
                    TensorPrimitives.MultiplyAdd(g, ys, d, d);
                    break;
                case UnaryMath.Sqrt:
                    for (int i = 0; i < d.Length; i++) d[i] += g[i] * 0.5f / ys[i];
                    break;
                case UnaryMath.Square:
                    for (int i = 0; i < d.Length; i++) d[i] += 2f * xs[i] * g[i];
                    break;
                default:
                    if (exponent == 0f) break;
                    for (int i = 0; i < d.Length; i++) d[i] += exponent * MathF.Pow(xs[i], exponent - 1f) * g[i];
                    break;
            }
        }
    }

    private sealed class PowNode(Tensor a, Tensor b) : OpNode(a, b)
    {
        public override string Name => "Pow";

        public override void Backward(Tensor output, Tensor dy)
        {
            var ea = Broadcasting.Expand(a, output.Shape);
            var eb = Broadcasting.Expand(b, output.Shape);
            var xs = ea.Span;
            var ps = eb.Span;
            var ys = output.Span;
            var g = dy.Span;
            if (GradOf(0) is { } da)
            {
                var partial = Tensor.Temp(output.Shape);
                var p = partial.Span;
                for (int i = 0; i < p.Length; i++) p[i] = ps[i] == 0f ? 0f : ps[i] * MathF.Pow(xs[i], ps[i] - 1f) * g[i];
                Broadcasting.AccumulateReduced(partial, da);
            }
            if (GradOf(1) is { } db)
            {
                var partial = Tensor.Temp(output.Shape);
                var p = partial.Span;
                for (int i = 0; i < p.Length; i++) p[i] = ys[i] == 0f ? 0f : ys[i] * MathF.Log(xs[i]) * g[i];
                Broadcasting.AccumulateReduced(partial, db);
            }
        }
    }
}
