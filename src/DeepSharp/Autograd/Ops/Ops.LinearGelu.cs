using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// y = GELU(x · W + b) for x (batch, in), W (in, out), b (out): the Dense layer with exact GELU as one op.
    /// The same values as <c>Gelu(Linear(x, W, b))</c>, bit for bit, with the bias add and GELU done in one
    /// pass over the product and, backward, GELU′ and the bias gradient in one pass (BiasGeluKernel's notes).
    /// </summary>
    public static Tensor LinearGelu(Tensor x, Tensor w, Tensor b) => LinearGelu(x, w, b, packedKernel: false);

    /// <summary><see cref="LinearGelu(Tensor, Tensor, Tensor)"/>; <paramref name="packedKernel"/> as in <see cref="Linear(Tensor, Tensor, Tensor?, bool)"/>.</summary>
    internal static Tensor LinearGelu(Tensor x, Tensor w, Tensor b, bool packedKernel)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (x.Rank != 2 || w.Rank != 2 || x.Shape[1] != w.Shape[0])
            throw new ShapeMismatchException($"LinearGelu needs x (batch, in) and W (in, out); got x {x.Shape}, W {w.Shape}.");
        int rows = x.Shape[0], inF = x.Shape[1], outF = w.Shape[1];
        if (b.Rank != 1 || b.Shape[0] != outF)
            throw new ShapeMismatchException($"LinearGelu bias {b.Shape} does not match W {w.Shape}.");
        if (!OpNode.Needed(x, w, b)) return Gelu(Linear(x, w, b, packedKernel));
        var pre = Tensor.Temp(new Shape(rows, outF));
        Gemm.Multiply(false, false, rows, outF, inF, x.Span, inF, w.Span, outF, pre.Span, outF, accumulate: false);
        var y = Tensor.Temp(new Shape(rows, outF));
        BiasGeluKernel.Forward(pre.Span, b.Span, y.Span, rows, outF);
        return new LinearGeluNode(x, w, b, pre).Attach(y);
    }

    private sealed class LinearGeluNode(Tensor x, Tensor w, Tensor b, Tensor pre) : OpNode(x, w, b)
    {
        public override string Name => "LinearGelu";

        public override void Backward(Tensor output, Tensor dy)
        {
            int rows = x.Shape[0], inF = x.Shape[1], outF = w.Shape[1];
            var db = GradOf(2);
            var dx = GradForWrite(0, out bool accumulate);
            var dw = GradOf(1);
            // dPre = dY ∘ GELU′(pre), db += Σ_rows dPre (one pass); then dX (+)= dPre · Wᵀ, dW += Xᵀ · dPre.
            // dPre is written over dY: this rule is dY's last reader (intermediate gradients are not kept),
            // and a fresh buffer would cost one more stream of rows × out floats through the caches.
            var dPre = dy;
            BiasGeluKernel.Backward(pre.Span, dy.Span, dPre.Span, db is null ? default : db.Span, rows, outF);
            if (dx is not null)
                Gemm.Multiply(false, true, rows, inF, outF, dPre.Span, outF, w.Span, outF, dx.Span, inF, accumulate);
            if (dw is not null)
                Gemm.Multiply(true, false, inF, outF, rows, x.Span, inF, dPre.Span, outF, dw.Span, outF, accumulate: true);
        }
    }
}
