using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Per-channel mean and biased variance of x over every axis but the last (not recorded for
    /// autograd: <see cref="BatchNorm"/> with batchStatistics differentiates through them itself).
    /// </summary>
    public static (Tensor Mean, Tensor Variance) Moments(Tensor x)
    {
        var (rows, channels) = RowsAndLastAxis(x, "Moments");
        var mean = Tensor.Temp(new Shape(channels));
        var variance = Tensor.Temp(new Shape(channels));
        BatchNormKernel.Moments(x.Span, mean.Span, variance.Span, rows, channels);
        return (mean, variance);
    }

    /// <summary>
    /// Batch normalisation over the last axis: γ·(x − mean)/√(variance + ε) + β, with γ and β
    /// optional. <paramref name="batchStatistics"/> says that mean and variance are x's own
    /// <see cref="Moments"/> (training), so the gradient includes the terms through them; otherwise
    /// they are constants (inference with moving statistics). mean and variance get no gradient.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor variance, float epsilon, bool batchStatistics)
    {
        var (rows, channels) = RowsAndLastAxis(x, "BatchNorm");
        CheckChannels("BatchNorm", x, channels, gamma, beta, mean, variance);
        var y = x.TempLike();
        BatchNormKernel.Normalize(x.Span, mean.Span, variance.Span, Span(gamma), Span(beta), epsilon, y.Span, rows, channels);
        bool needed = !NoGrad.IsActive && (x.RequiresGrad || gamma?.RequiresGrad == true || beta?.RequiresGrad == true);
        return needed ? new BatchNormNode(x, gamma, beta, mean, variance, epsilon, batchStatistics).Attach(y) : y;
    }

    /// <summary>Layer normalisation over the last axis: γ·(x − mean_row)/√(var_row + ε) + β, γ and β optional.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float epsilon)
    {
        var (rows, cols) = RowsAndLastAxis(x, "LayerNorm");
        CheckChannels("LayerNorm", x, cols, gamma, beta);
        var y = x.TempLike();
        var mean = Tensor.Temp(new Shape(rows));
        var rstd = Tensor.Temp(new Shape(rows));
        LayerNormKernel.Forward(x.Span, Span(gamma), Span(beta), epsilon, y.Span, mean.Span, rstd.Span, rows, cols);
        bool needed = !NoGrad.IsActive && (x.RequiresGrad || gamma?.RequiresGrad == true || beta?.RequiresGrad == true);
        return needed ? new LayerNormNode(x, gamma, beta, mean, rstd).Attach(y) : y;
    }

    private static ReadOnlySpan<float> Span(Tensor? t) => t is null ? default : t.Span;

    private static void CheckChannels(string op, Tensor x, int channels, params Tensor?[] perChannel)
    {
        foreach (var t in perChannel)
            if (t is not null && (t.Rank != 1 || t.Shape[0] != channels))
                throw new ShapeMismatchException($"{op} of x {x.Shape} needs per-channel tensors of shape ({channels},); got {t.Shape}.");
    }

    /// <summary>Inputs: x, then γ and β when present (their positions are remembered).</summary>
    private sealed class BatchNormNode : OpNode
    {
        private readonly Tensor _x, _mean, _variance;
        private readonly Tensor? _gamma, _beta;
        private readonly float _epsilon;
        private readonly bool _batchStatistics;

        public BatchNormNode(Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor variance, float epsilon, bool batchStatistics)
            : base(Present(x, gamma, beta))
        {
            (_x, _gamma, _beta, _mean, _variance, _epsilon, _batchStatistics) = (x, gamma, beta, mean, variance, epsilon, batchStatistics);
        }

        public override string Name => "BatchNorm";

        public override void Backward(Tensor output, Tensor dy)
        {
            var (rows, channels) = RowsAndLastAxis(_x, Name);
            int next = 1;
            var dgamma = _gamma is null ? null : GradOf(next++);
            var dbeta = _beta is null ? null : GradOf(next);
            var dx = GradForWrite(0, out bool accumulate);
            BatchNormKernel.Backward(_x.Span, _mean.Span, _variance.Span, Span(_gamma), _epsilon, dy.Span,
                dx is null ? default : dx.Span, dgamma is null ? default : dgamma.Span, dbeta is null ? default : dbeta.Span,
                rows, channels, _batchStatistics, accumulateDx: accumulate);
        }
    }

    private sealed class LayerNormNode : OpNode
    {
        private readonly Tensor _x, _mean, _rstd;
        private readonly Tensor? _gamma, _beta;

        public LayerNormNode(Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd) : base(Present(x, gamma, beta))
        {
            (_x, _gamma, _beta, _mean, _rstd) = (x, gamma, beta, mean, rstd);
        }

        public override string Name => "LayerNorm";

        public override void Backward(Tensor output, Tensor dy)
        {
            var (rows, cols) = RowsAndLastAxis(_x, Name);
            int next = 1;
            var dgamma = _gamma is null ? null : GradOf(next++);
            var dbeta = _beta is null ? null : GradOf(next);
            LayerNormKernel.Backward(_x.Span, _mean.Span, _rstd.Span, Span(_gamma), dy.Span,
                GradOf(0) is { } dx ? dx.Span : default, dgamma is null ? default : dgamma.Span, dbeta is null ? default : dbeta.Span,
                rows, cols);
        }
    }

    private static Tensor[] Present(Tensor x, Tensor? a, Tensor? b) =>
        (a, b) switch
        {
            (null, null) => [x],
            (not null, null) => [x, a],
            (null, not null) => [x, b],
            _ => [x, a!, b!],
        };
}
