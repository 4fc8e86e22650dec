using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// A batch of matrix products: op(a)[i] · op(b)[i] for 3-D tensors, op transposing the last two
    /// axes when asked: (B, m, k) · (B, k, n) → (B, m, n).
    /// </summary>
    public static Tensor BatchedMatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        if (a.Rank != 3 || b.Rank != 3 || a.Shape[0] != b.Shape[0])
            throw new ShapeMismatchException($"BatchedMatMul needs (batch, m, k) and (batch, k, n) tensors; got {a.Shape} and {b.Shape}.");
        int batch = a.Shape[0];
        int m = transposeA ? a.Shape[2] : a.Shape[1], k = transposeA ? a.Shape[1] : a.Shape[2];
        int kb = transposeB ? b.Shape[2] : b.Shape[1], n = transposeB ? b.Shape[1] : b.Shape[2];
        if (k != kb)
            throw new ShapeMismatchException(
                $"BatchedMatMul: {(transposeA ? "aᵀ" : "a")} {a.Shape} and {(transposeB ? "bᵀ" : "b")} {b.Shape} do not share an inner size ({k} vs {kb}).");
        var y = Tensor.Temp(new Shape(batch, m, n));
        BatchedGemm.Multiply(batch, transposeA, transposeB, m, n, k, a.Span, a.Shape[2], a.Shape[1] * a.Shape[2],
            b.Span, b.Shape[2], b.Shape[1] * b.Shape[2], y.Span, n, m * n, accumulate: false);
        return OpNode.Needed(a, b) ? new BatchedMatMulNode(a, b, transposeA, transposeB).Attach(y) : y;
    }

    private sealed class BatchedMatMulNode(Tensor a, Tensor b, bool transA, bool transB) : OpNode(a, b)
    {
        public override string Name => "BatchedMatMul";

        public override void Backward(Tensor output, Tensor dy)
        {
            int batch = output.Shape[0], m = output.Shape[1], n = output.Shape[2], k = transA ? a.Shape[1] : a.Shape[2];
            int lda = a.Shape[2], ldb = b.Shape[2], sa = a.Shape[1] * lda, sb = b.Shape[1] * ldb, sy = m * n;
            if (GradOf(0) is { } da)
            {
                if (!transA) // dA += dY · op(B)ᵀ
                    BatchedGemm.Multiply(batch, false, !transB, m, k, n, dy.Span, n, sy, b.Span, ldb, sb, da.Span, lda, sa, accumulate: true);
                else // dA (stored k×m) += op(B) · dYᵀ
                    BatchedGemm.Multiply(batch, transB, true, k, m, n, b.Span, ldb, sb, dy.Span, n, sy, da.Span, lda, sa, accumulate: true);
            }
            if (GradOf(1) is { } db)
            {
                if (!transB) // dB += op(A)ᵀ · dY
                    BatchedGemm.Multiply(batch, !transA, false, k, n, m, a.Span, lda, sa, dy.Span, n, sy, db.Span, ldb, sb, accumulate: true);
                else // dB (stored n×k) += dYᵀ · op(A)
                    BatchedGemm.Multiply(batch, true, transA, n, k, m, dy.Span, n, sy, a.Span, lda, sa, db.Span, ldb, sb, accumulate: true);
            }
        }
    }
}
