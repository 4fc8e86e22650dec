using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>Matrix product of 2-D tensors: (m, k) · (k, n) → (m, n).</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank != 2 || b.Rank != 2 || a.Shape[1] != b.Shape[0])
            throw new ShapeMismatchException($"MatMul needs (m, k) · (k, n); got {a.Shape} · {b.Shape}.");
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
