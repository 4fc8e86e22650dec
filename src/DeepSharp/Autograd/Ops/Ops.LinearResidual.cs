using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// residual + (x · W + b) for x (batch, in), W (in, out), b (out) or null and residual (batch, out): a
    /// residual sublayer's closing Dense and add as one op. The same values as
    /// <c>Add(residual, Linear(x, W, b))</c>, bit for bit, with the bias and residual adds in one pass over
    /// the product (BiasResidualKernel's notes); backward, the residual's gradient is dY itself, handed
    /// over without a copy when the residual has none yet.
    /// </summary>
    public static Tensor LinearResidual(Tensor x, Tensor w, Tensor? b, Tensor residual)
    {
        ArgumentNullException.ThrowIfNull(residual);
        if (x.Rank != 2 || w.Rank != 2 || x.Shape[1] != w.Shape[0])
            throw new ShapeMismatchException($"LinearResidual needs x (batch, in) and W (in, out); got x {x.Shape}, W {w.Shape}.");
        int rows = x.Shape[0], inF = x.Shape[1], outF = w.Shape[1];
        if (b is not null && (b.Rank != 1 || b.Shape[0] != outF))
            throw new ShapeMismatchException($"LinearResidual bias {b.Shape} does not match W {w.Shape}.");
        if (residual.Rank != 2 || residual.Shape[0] != rows || residual.Shape[1] != outF)
            throw new ShapeMismatchException($"LinearResidual residual {residual.Shape} does not match x·W ({rows}, {outF}) for x {x.Shape}, W {w.Shape}.");
        RequireFloat("LinearResidual", residual);
        var y = Tensor.Temp(new Shape(rows, outF));
        Gemm.Multiply(false, false, rows, outF, inF, x.Span, inF, w.Span, outF, y.Span, outF, accumulate: false);
        BiasResidualKernel.Forward(y.Span, b is null ? default : b.Span, residual.Span, rows, outF);
        return OpNode.Needed(x, w, b) || OpNode.Needed(residual) ? new LinearResidualNode(x, w, b, residual).Attach(y) : y;
    }

    private sealed class LinearResidualNode : OpNode
    {
        private readonly Tensor _x, _w, _residual;
        private readonly Tensor? _b;

        public LinearResidualNode(Tensor x, Tensor w, Tensor? b, Tensor residual) : base(b is null ? [x, w, residual] : [x, w, residual, b])
        {
            (_x, _w, _b, _residual) = (x, w, b, residual);
        }

        public override string Name => "LinearResidual";

        public override void Backward(Tensor output, Tensor dy)
        {
            int rows = _x.Shape[0], inF = _x.Shape[1], outF = _w.Shape[1];
            // A residual that is x itself gets dY first and the product adds into it, as Add then Linear's
            // rules do (the GEMM's accumulation is not a plain add after it: this keeps their bits).
            bool residualIsX = ReferenceEquals(_residual, _x);
            if (residualIsX) ResidualGradient(dy, handOver: false);
            if (GradForWrite(0, out bool accumulate) is { } dx) // dX (+)= dY · Wᵀ
                Gemm.Multiply(false, true, rows, inF, outF, dy.Span, outF, _w.Span, outF, dx.Span, inF, accumulate);
            if (GradOf(1) is { } dw) // dW += Xᵀ · dY
                Gemm.Multiply(true, false, inF, outF, rows, _x.Span, inF, dy.Span, outF, dw.Span, outF, accumulate: true);
            if (_b is not null && GradOf(3) is { } db) // db += Σ_rows dY
                Reductions.SumRows(dy.Span, db.Span, rows, outF);
            if (!residualIsX) ResidualGradient(dy, handOver: !ReferenceEquals(_residual, _w) && !ReferenceEquals(_residual, _b));
        }

        /// <summary>
        /// d residual (+)= dY. With <paramref name="handOver"/>, after every other read of dY (this rule is its
        /// last reader), a residual without a gradient yet that is not a leaf takes dY's memory as its own, as Add does.
        /// </summary>
        private void ResidualGradient(Tensor dy, bool handOver)
        {
            if (!_residual.RequiresGrad) return;
            if (handOver && _residual.Grad is null && !_residual.IsLeaf)
            {
                _residual.Grad = dy.TempView(_residual.Shape);
                return;
            }
            if (GradForWrite(2, out bool add) is not { } dr) return;
            if (add) System.Numerics.Tensors.TensorPrimitives.Add(dr.Span, dy.Span, dr.Span);
            else dy.Span.CopyTo(dr.Span);
        }
    }
}
