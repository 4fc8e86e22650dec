using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Root-mean-square normalisation over the last axis (PyTorch's <c>rms_norm</c>, the op behind
    /// <see cref="Nn.Layers.RmsNormalization"/>): x / √(mean(x²) + ε) · scale, with scale (last axis,)
    /// or null for none. One fused pass per row forward and backward; gradients reach x and scale.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x is a scalar, or scale is not (last axis,).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is negative or not finite.</exception>
    public static Tensor RmsNorm(Tensor x, Tensor? scale, float epsilon)
    {
        var (rows, cols) = RowsAndLastAxis(x, "RmsNorm");
        CheckChannels("RmsNorm", x, cols, scale);
        if (!(epsilon >= 0f && float.IsFinite(epsilon)))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"RmsNorm of x {x.Shape} needs a finite epsilon ≥ 0.");
        var y = x.TempLike();
        var rstd = Tensor.Temp(new Shape(rows));
        RmsNormKernel.Forward(x.Span, Span(scale), epsilon, y.Span, rstd.Span, rows, cols);
        bool needed = !NoGrad.IsActive && (x.RequiresGrad || scale?.RequiresGrad == true);
        return needed ? new RmsNormNode(x, scale, rstd).Attach(y) : y;
    }

    /// <summary>Inputs: x, then the scale when present.</summary>
    private sealed class RmsNormNode : OpNode
    {
        private readonly Tensor _x, _rstd;
        private readonly Tensor? _scale;

        public RmsNormNode(Tensor x, Tensor? scale, Tensor rstd) : base(Present(x, scale, null))
        {
            (_x, _scale, _rstd) = (x, scale, rstd);
        }

        public override string Name => "RmsNorm";

        public override void Backward(Tensor output, Tensor dy)
        {
            var (rows, cols) = RowsAndLastAxis(_x, Name);
            var dscale = _scale is null ? null : GradOf(1);
            var dx = GradForWrite(0, out bool accumulate);
            RmsNormKernel.Backward(_x.Span, _rstd.Span, Span(_scale), dy.Span,
                dx is null ? default : dx.Span, dscale is null ? default : dscale.Span, rows, cols, accumulateDx: accumulate);
        }
    }
}
