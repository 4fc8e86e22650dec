using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

/// <summary>Arithmetic with a float on either side: the same bits as the operator on each element.</summary>
public static partial class Ops
{
    /// <summary>x + s elementwise.</summary>
    public static Tensor Add(Tensor x, float s) => Affine(x, 1f, s);

    /// <summary>x − s elementwise.</summary>
    public static Tensor Subtract(Tensor x, float s) => Affine(x, 1f, -s);

    /// <summary>s − x elementwise.</summary>
    public static Tensor Subtract(float s, Tensor x) => Affine(x, -1f, s);

    /// <summary>x · s elementwise.</summary>
    public static Tensor Multiply(Tensor x, float s) => Affine(x, s);

    /// <summary>x / s elementwise (a true division, not a multiplication by 1/s).</summary>
    public static Tensor Divide(Tensor x, float s)
    {
        RequireFloat("Divide", x);
        var y = x.TempLike();
        TensorPrimitives.Divide(x.Span, s, y.Span);
        return OpNode.Needed(x) ? new DivideByScalarNode(x, s).Attach(y) : y;
    }

    /// <summary>s / x elementwise.</summary>
    public static Tensor Divide(float s, Tensor x) => Divide(Tensor.Scalar(s), x);

    private sealed class DivideByScalarNode(Tensor x, float s) : OpNode(x)
    {
        public override string Name => "DivideByScalar";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            for (int i = 0; i < d.Length; i++) d[i] += g[i] / s;
        }
    }
}
