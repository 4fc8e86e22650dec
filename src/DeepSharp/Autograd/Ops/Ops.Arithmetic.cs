using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>a + b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Add);
    /// <summary>a − b with broadcasting.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Subtract);
    /// <summary>a ⊙ b with broadcasting.</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Multiply);
    /// <summary>a ⊘ b with broadcasting.</summary>
    public static Tensor Divide(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Divide);

    /// <summary>x · s + t for scalars s and t.</summary>
    public static Tensor Affine(Tensor x, float scale, float shift = 0f)
    {
        RequireFloat("Arithmetic with a float", x);
        var y = x.TempLike();
        TensorPrimitives.Multiply(x.Span, scale, y.Span);
        if (shift != 0f) TensorPrimitives.Add(y.Span, shift, y.Span);
        return OpNode.Needed(x) ? new AffineNode(x, scale).Attach(y) : y;
    }

    private static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        RequireFloat(op.ToString(), a, b);
        var y = Broadcasting.Binary(a, b, op);
        return OpNode.Needed(a, b) ? new BinaryNode(a, b, op).Attach(y) : y;
    }

    /// <summary>
    /// Arithmetic is float32: an int32 operand (labels, ArgMax's indices, <c>Arange(..., dtype: Int32)</c>) is refused
    /// naming the op and the shape, where PyTorch would promote it.
    /// </summary>
    private static void RequireFloat(string op, Tensor a, Tensor? b = null)
    {
        if (a.DType != DType.Float32) ThrowNotFloat(op, a);
        if (b is not null && b.DType != DType.Float32) ThrowNotFloat(op, b);
    }

    private static void ThrowNotFloat(string op, Tensor t) =>
        throw new InvalidOperationException($"{op}: the operand {t.Shape} holds {t.DType}; arithmetic is float32 (convert it with ToFloat()).");

    private sealed class BinaryNode(Tensor a, Tensor b, BinaryOp op) : OpNode(a, b)
    {
        public override string Name => op.ToString();

        public override void Backward(Tensor output, Tensor dy)
        {
            for (int i = 0; i < 2; i++)
            {
                // A same-shape input whose partial is dy itself (a residual add) copies it into a fresh
                // gradient instead of zero-filling one and adding.
                bool passThrough = (op == BinaryOp.Add || (op == BinaryOp.Subtract && i == 0)) && Input(i).Shape == dy.Shape;
                if (passThrough)
                {
                    // The second input is dy's last reader: an intermediate without a gradient yet takes
                    // dy's memory as its own (a view, no copy), as Reshape does; nothing reads dy after.
                    var input = Input(i);
                    if (i == 1 && input.RequiresGrad && input.Grad is null && !input.IsLeaf && !ReferenceEquals(input, Input(0)))
                    {
                        input.Grad = dy.TempView(input.Shape);
                        continue;
                    }
                    if (GradForWrite(i, out bool accumulate) is not { } g) continue;
                    if (accumulate) TensorPrimitives.Add(g.Span, dy.Span, g.Span);
                    else dy.Span.CopyTo(g.Span);
                    continue;
                }
                if (GradOf(i) is { } grad) Broadcasting.AccumulateReduced(PartialFor(i, dy), grad);
            }
        }

        /// <summary>∂L/∂input broadcast to the output's shape, before reducing.</summary>
        private Tensor PartialFor(int input, Tensor dy) => (op, input) switch
        {
            (BinaryOp.Add, _) or (BinaryOp.Subtract, 0) => dy,
            (BinaryOp.Subtract, _) => Broadcasting.Binary(dy, Tensor.Scalar(-1f), BinaryOp.Multiply),
            (BinaryOp.Multiply, 0) => Broadcasting.Binary(dy, b, BinaryOp.Multiply),
            (BinaryOp.Multiply, _) => Broadcasting.Binary(dy, a, BinaryOp.Multiply),
            (BinaryOp.Divide, 0) => Broadcasting.Binary(dy, b, BinaryOp.Divide),
            // ∂(a/b)/∂b = −a/b² = −(a/b)/b
            _ => Broadcasting.Binary(Broadcasting.Binary(dy, Broadcasting.Binary(a, Broadcasting.Binary(b, b, BinaryOp.Multiply), BinaryOp.Divide), BinaryOp.Multiply), Tensor.Scalar(-1f), BinaryOp.Multiply),
        };
    }

    private sealed class AffineNode(Tensor x, float scale) : OpNode(x)
    {
        public override string Name => "Affine";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) TensorPrimitives.MultiplyAdd(dy.Span, scale, dx.Span, dx.Span);
        }
    }
}
