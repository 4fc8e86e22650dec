using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Matrix product as NumPy's matmul: (m, k) · (k, n) → (m, n); leading axes are batch axes and
    /// broadcast, e.g. (B, m, k) · (k, n) → (B, m, n) or (B, 1, m, k) · (H, k, n) → (B, H, m, n); a 1-D
    /// operand is a row (left) or column (right) vector whose axis is removed from the result.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The inner sizes differ, the batch axes do not broadcast, or an operand is a scalar.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw new ShapeMismatchException($"MatMul needs operands with at least one axis; got {a.Shape} · {b.Shape}.");
        if (a.Rank == 1 || b.Rank == 1)
        {
            bool row = a.Rank == 1, column = b.Rank == 1;
            var product = MatMul(row ? Unsqueeze(a, 0) : a, column ? Unsqueeze(b, -1) : b);
            if (column) product = Squeeze(product, -1);
            return row ? Squeeze(product, column ? -1 : -2) : product;
        }
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        if (b.Shape[-2] != k)
            throw new ShapeMismatchException($"MatMul needs (…, m, k) · (…, k, n); got {a.Shape} · {b.Shape} (inner sizes {k} and {b.Shape[-2]}).");
        if (a.Rank == 2 && b.Rank == 2) return MatMul2D(a, b);
        var batch = Broadcasting.BroadcastShapes(new Shape(a.Shape.Dims[..^2]), new Shape(b.Shape.Dims[..^2]), "MatMul");
        if (b.Rank == 2) // every matrix of a times one b: one GEMM over all rows
            return Reshape(MatMul2D(Reshape(a, -1, k), b), WithMatrix(batch, m, n));
        var ea = BroadcastTo(a, WithMatrix(batch, m, k));
        var eb = BroadcastTo(b, WithMatrix(batch, k, n));
        int count = batch.Size;
        var y = BatchedMatMul(Reshape(ea, count, m, k), Reshape(eb, count, k, n));
        return Reshape(y, WithMatrix(batch, m, n));
    }

    private static Shape WithMatrix(Shape batch, int rows, int cols)
    {
        var dims = new int[batch.Rank + 2];
        batch.Dims.CopyTo(dims);
        (dims[^2], dims[^1]) = (rows, cols);
        return new Shape(dims);
    }

    private static Tensor MatMul2D(Tensor a, Tensor b)
    {
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        var y = Tensor.Temp(new Shape(m, n));
        Gemm.Multiply(false, false, m, n, k, a.Span, k, b.Span, n, y.Span, n, accumulate: false);
        return OpNode.Needed(a, b) ? new MatMulNode(a, b).Attach(y) : y;
    }

    private sealed class MatMulNode(Tensor a, Tensor b) : OpNode(a, b)
    {
        public override string Name => "MatMul";

        public override void Backward(Tensor output, Tensor dy)
        {
            int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
            if (GradOf(0) is { } da) // dA += dY · Bᵀ
                Gemm.Multiply(false, true, m, k, n, dy.Span, n, b.Span, n, da.Span, k, accumulate: true);
            if (GradOf(1) is { } db) // dB += Aᵀ · dY
                Gemm.Multiply(true, false, k, n, m, a.Span, k, dy.Span, n, db.Span, n, accumulate: true);
        }
    }
}
