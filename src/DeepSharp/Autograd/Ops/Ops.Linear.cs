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
    public static Tensor Linear(Tensor x, Tensor w, Tensor? b)
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
            DenseRows.Forward(rows, inF, outF, x.Span, w.Span, b is null ? default : b.Span, y.Span);
            return y;
        }
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
            // dX (+)= dY · Wᵀ, dW += Xᵀ · dY, db += Σ_rows dY; the two products on a thread each where that pays.
            var dx = GradForWrite(0, out bool accumulate);
            var dw = GradOf(1);
            var db = _b is null ? null : GradOf(2);
            DenseBackwardPair.Run(rows, inF, outF, _x.Span, _w.Span, dy.Span, dx is null ? default : dx.Span, accumulate,
                dw is null ? default : dw.Span, db is null ? default : db.Span);
        }
    }
}
