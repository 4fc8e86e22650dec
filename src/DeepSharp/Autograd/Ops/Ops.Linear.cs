using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// The dense layer's op: y = x · W + b for x (batch, in), W (in, out), b (out) or null.
    /// Fused so that the bias gradient is one column sum and no broadcast is materialised.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? b) => Linear(x, w, b, packedKernel: false);

    /// <summary>
    /// <see cref="Linear(Tensor, Tensor, Tensor?)"/>; with <paramref name="packedKernel"/> (a Dense layer's
    /// own kernel), a product that records no gradient reads W packed once (<see cref="PackedWeightCache"/>)
    /// instead of packing it again: the same bits.
    /// </summary>
    internal static Tensor Linear(Tensor x, Tensor w, Tensor? b, bool packedKernel)
    {
        if (x.Rank != 2 || w.Rank != 2 || x.Shape[1] != w.Shape[0])
            throw new ShapeMismatchException($"Linear needs x (batch, in) and W (in, out); got x {x.Shape}, W {w.Shape}.");
        int rows = x.Shape[0], inF = x.Shape[1], outF = w.Shape[1];
        if (b is not null && (b.Rank != 1 || b.Shape[0] != outF))
            throw new ShapeMismatchException($"Linear bias {b.Shape} does not match W {w.Shape}.");
        var y = Tensor.Temp(new Shape(rows, outF));
        bool needed = OpNode.Needed(x, w, b);
        if (!needed && rows <= DenseRows.MaxRows)
        {
            // Inference at a small batch: W streamed in place over the worker pool, the same bits (DenseRows' notes).
            // W is read without a hand-out, so the kernel packed for larger batches (PackedWeightCache) stays current.
            DenseRows.Forward(rows, inF, outF, x.Span, w.ReadOnlySpan, b is null ? default : b.Span, y.Span);
            return y;
        }
        if (!needed && packedKernel && PackedWeightCache.Serves(rows, inF, outF))
            Gemm.Multiply(false, rows, x.Span, inF, PackedWeightCache.For(w), y.Span, outF, accumulate: false);
        else
            Gemm.Multiply(false, false, rows, outF, inF, x.Span, inF, w.Span, outF, y.Span, outF, accumulate: false);
        if (b is not null) Reductions.AddBias(y.Span, b.Span, rows, outF);
        return needed ? new LinearNode(x, w, b).Attach(y) : y;
    }

    private sealed class LinearNode : OpNode
    {
        private readonly Tensor _x, _w;
        private readonly Tensor? _b;

        public LinearNode(Tensor x, Tensor w, Tensor? b) : base(b is null ? [x, w] : [x, w, b])
        {
            (_x, _w, _b) = (x, w, b);
        }

        public override string Name => "Linear";

        public override void Backward(Tensor output, Tensor dy)
        {
            int rows = _x.Shape[0], inF = _x.Shape[1], outF = _w.Shape[1];
            if (GradForWrite(0, out bool accumulate) is { } dx) // dX (+)= dY · Wᵀ
                Gemm.Multiply(false, true, rows, inF, outF, dy.Span, outF, _w.Span, outF, dx.Span, inF, accumulate);
            if (GradOf(1) is { } dw) // dW += Xᵀ · dY
                Gemm.Multiply(true, false, inF, outF, rows, _x.Span, inF, dy.Span, outF, dw.Span, outF, accumulate: true);
            if (_b is not null && GradOf(2) is { } db) // db += Σ_rows dY
                Reductions.SumRows(dy.Span, db.Span, rows, outF);
        }
    }
}
