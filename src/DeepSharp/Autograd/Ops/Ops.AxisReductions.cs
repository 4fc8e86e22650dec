using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Reductions along axes, NumPy/Keras style: <c>axes</c> null means all axes, negative axes count
/// from the end, <c>keepDims</c> keeps each reduced axis with size 1. Reduced axes that are not
/// one contiguous block are first moved to the end (<see cref="Permute"/>, a copy).
/// Gradients: Sum and Mean broadcast dy back over the reduced axes; Max and Min send each output's
/// dy to one element, the first extremum in row-major order of the reduced block — as
/// torch.max(x, dim) and the arg-max, not split among ties as torch.amax and TensorFlow do.
/// </summary>
public static partial class Ops
{
    /// <summary>Sum along <paramref name="axis"/>.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Sum(x, [axis], keepDims);

    /// <summary>Sum along <paramref name="axes"/> (null: all of them).</summary>
    public static Tensor Sum(Tensor x, int[]? axes, bool keepDims = false) => Reduce(x, axes, keepDims, AxisReduction.Sum, "Sum");

    /// <summary>Mean along <paramref name="axis"/>.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);

    /// <summary>Mean along <paramref name="axes"/> (null: all of them); NaN over zero elements.</summary>
    public static Tensor Mean(Tensor x, int[]? axes, bool keepDims = false) => Reduce(x, axes, keepDims, AxisReduction.Mean, "Mean");

    /// <summary>Maximum along <paramref name="axis"/>.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Max(x, [axis], keepDims);

    /// <summary>Maximum along <paramref name="axes"/> (null: all of them); NaN if any element is NaN.</summary>
    /// <exception cref="ShapeMismatchException">A reduced axis has size 0.</exception>
    public static Tensor Max(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce(x, axes, keepDims, AxisReduction.Max, "Max");

    /// <summary>Minimum along <paramref name="axis"/>.</summary>
    public static Tensor Min(Tensor x, int axis, bool keepDims = false) => Min(x, [axis], keepDims);

    /// <summary>Minimum along <paramref name="axes"/> (null: all of them); NaN if any element is NaN.</summary>
    /// <exception cref="ShapeMismatchException">A reduced axis has size 0.</exception>
    public static Tensor Min(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce(x, axes, keepDims, AxisReduction.Min, "Min");

    /// <summary>Population variance (divisor n, as Keras and NumPy's default) along <paramref name="axis"/>.</summary>
    public static Tensor Var(Tensor x, int axis, bool keepDims = false) => Var(x, [axis], keepDims);

    /// <summary>Population variance, mean((x − mean(x))²), along <paramref name="axes"/> (null: all of them).</summary>
    public static Tensor Var(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        var centered = Subtract(x, Mean(x, axes, keepDims: true));
        return Mean(Square(centered), axes, keepDims);
    }

    /// <summary>Population standard deviation along <paramref name="axis"/>.</summary>
    public static Tensor Std(Tensor x, int axis, bool keepDims = false) => Std(x, [axis], keepDims);

    /// <summary>
    /// Population standard deviation, √Var, along <paramref name="axes"/> (null: all of them). Its
    /// gradient is infinite or NaN where the deviation is 0, as in PyTorch.
    /// </summary>
    public static Tensor Std(Tensor x, int[]? axes = null, bool keepDims = false) => Sqrt(Var(x, axes, keepDims));

    /// <summary>
    /// The index of the first maximum along <paramref name="axis"/>, as an int32 tensor (a NaN counts as
    /// the maximum). Not differentiable.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The axis has size 0.</exception>
    public static Tensor ArgMax(Tensor x, int axis, bool keepDims = false) => ArgExtremum(x, axis, keepDims, max: true);

    /// <summary>The index of the first minimum along <paramref name="axis"/>, as an int32 tensor.</summary>
    /// <exception cref="ShapeMismatchException">The axis has size 0.</exception>
    public static Tensor ArgMin(Tensor x, int axis, bool keepDims = false) => ArgExtremum(x, axis, keepDims, max: false);

    /// <summary>The row-major flat index of the first maximum of all elements, as a rank-0 int32 tensor.</summary>
    public static Tensor ArgMax(Tensor x) => ArgExtremum(x.View(x.Size), 0, false, max: true);

    /// <summary>The row-major flat index of the first minimum of all elements, as a rank-0 int32 tensor.</summary>
    public static Tensor ArgMin(Tensor x) => ArgExtremum(x.View(x.Size), 0, false, max: false);

    private enum AxisReduction { Sum, Mean, Max, Min }

    private static Tensor Reduce(Tensor x, int[]? axes, bool keepDims, AxisReduction kind, string op)
    {
        var plan = ReductionPlan.Of(x.Shape, axes, keepDims, op);
        if (!plan.Contiguous) x = Permute(x, plan.Permutation!);
        var (outer, n, inner) = (plan.Outer, plan.N, plan.Inner);
        if (n == 0 && kind is AxisReduction.Max or AxisReduction.Min && outer * inner > 0)
            throw new ShapeMismatchException($"{op} over zero elements: the reduced axes of {plan.Source} are empty.");
        var y = Tensor.Temp(plan.Output);
        switch (kind)
        {
            case AxisReduction.Sum:
            case AxisReduction.Mean:
                AxisReductions.Sum(x.Span, y.Span, outer, n, inner);
                if (kind == AxisReduction.Mean) System.Numerics.Tensors.TensorPrimitives.Divide(y.Span, n, y.Span);
                break;
            default:
                AxisReductions.Extremum(x.Span, y.Span, outer, n, inner, kind == AxisReduction.Max);
                break;
        }
        return OpNode.Needed(x) ? new AxisReduceNode(x, kind, outer, n, inner).Attach(y) : y;
    }

    private static Tensor ArgExtremum(Tensor x, int axis, bool keepDims, bool max)
    {
        string op = max ? "ArgMax" : "ArgMin";
        var plan = ReductionPlan.Of(x.Shape, [axis], keepDims, op);
        if (plan.N == 0 && plan.Outer * plan.Inner > 0)
            throw new ShapeMismatchException($"{op} over zero elements: axis {axis} of {x.Shape} is empty.");
        var y = Tensor.IntTemp(plan.Output);
        AxisReductions.ArgExtremum(x.Span, y.IntSpan, plan.Outer, plan.N, plan.Inner, max);
        return y;
    }

    private sealed class AxisReduceNode(Tensor x, AxisReduction kind, int outer, int n, int inner) : OpNode(x)
    {
        public override string Name => kind.ToString();

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            switch (kind)
            {
                case AxisReduction.Sum:
                case AxisReduction.Mean:
                    AxisReductions.SumBackward(dy.Span, dx.Span, outer, n, inner, kind == AxisReduction.Mean ? 1f / n : 1f);
                    break;
                default:
                    var index = Tensor.IntTemp(output.Shape);
                    AxisReductions.ArgExtremum(x.Span, index.IntSpan, outer, n, inner, kind == AxisReduction.Max);
                    AxisReductions.ScatterBackward(index.IntSpan, dy.Span, dx.Span, outer, n, inner);
                    break;
            }
        }
    }
}
