using DeepSharp.Autograd;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// Finite-difference checks of the tensor maths (TensorMath's operators and the Ops behind them)
/// over several shapes: broadcasting, size-1 axes, odd sizes, negative and non-contiguous axes.
/// </summary>
public class TensorMathGradientTests
{
    public static TheoryData<int[], int[]> BroadcastPairs() => new()
    {
        { [3, 5], [3, 5] },
        { [3, 5], [5] },
        { [3, 1], [1, 5] },
        { [2, 3, 1], [3, 7] },
        { [1], [2, 3] },
        { [], [4, 3] },
    };

    [Theory, MemberData(nameof(BroadcastPairs))]
    public void Operators(int[] a, int[] b)
    {
        Check(t => t[0] + t[1], [Random(1, a), Random(2, b)]);
        Check(t => t[0] - t[1], [Random(1, a), Random(2, b)]);
        Check(t => t[0] * t[1], [Random(1, a), Random(2, b)]);
        Check(t => t[0] / t[1], [Random(1, a), Away(Random(2, b))]);
    }

    [Theory]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 3, 1, 5 })]
    public void ScalarOperators(int[] shape)
    {
        Check(t => 2f + t[0] - 0.5f, [Random(1, shape)]);
        Check(t => 1.5f - t[0] * 3f, [Random(1, shape)]);
        Check(t => -(0.5f * t[0]) / 3f, [Random(1, shape)]);
        Check(t => 2f / t[0], [Away(Random(1, shape))]);
    }

    [Theory]
    [InlineData(new[] { 9 })]
    [InlineData(new[] { 2, 1, 5 })]
    public void UnaryMaths(int[] shape)
    {
        Check(t => t[0].Exp(), [Random(1, shape)]);
        Check(t => t[0].Log(), [Positive(Random(1, shape))]);
        Check(t => t[0].Sqrt(), [Positive(Random(1, shape))]);
        Check(t => t[0].Square(), [Random(1, shape)]);
        Check(t => t[0].Negate(), [Random(1, shape)]);
        Check(t => t[0].Pow(3f), [Random(1, shape)]);
        Check(t => t[0].Pow(-1.5f), [Positive(Random(1, shape))]);
        Check(t => t[0].Abs(), [Away(Random(1, shape))]);
        Check(t => t[0].Clip(-0.5f, 0.5f), [Spread(1, shape)]);
        Check(t => t[0].Sigmoid(), [Random(1, shape)]);
        Check(t => t[0].Tanh(), [Random(1, shape)]);
    }

    [Theory, MemberData(nameof(BroadcastPairs))]
    public void PowOfTensors(int[] a, int[] b) =>
        Check(t => t[0].Pow(t[1]), [Positive(Random(1, a)), Random(2, b)]);

    [Theory, MemberData(nameof(BroadcastPairs))]
    public void WhereSendsGradientToTheChosenBranch(int[] a, int[] b)
    {
        var shape = Broadcasting.BroadcastShapes(new Shape(a), new Shape(b));
        var condition = Ops.Greater(Random(9, shape.ToArray()), 0f);
        Check(t => Tensor.Where(condition, t[0], t[1]), [Random(1, a), Random(2, b)]);
        var rowCondition = Ops.Greater(Random(9, shape.Rank == 0 ? [] : [shape[-1]]), 0f);
        Check(t => Tensor.Where(rowCondition, t[0] * t[1], 0.5f), [Random(1, a), Random(2, b)]);
    }

    public static TheoryData<int[], int[]?, bool> Reductions() => new()
    {
        { [3, 4, 5], [1], false },
        { [3, 4, 5], [-1], true },
        { [3, 4, 5], [0, 2], false },
        { [3, 4, 5], [0, 2], true },
        { [3, 4, 5], [1, 2], false },
        { [3, 4, 5], null, false },
        { [3, 4, 5], null, true },
        { [3, 1, 7], [1], false },
        { [1, 5], [0], true },
        { [6], [0], false },
    };

    [Theory, MemberData(nameof(Reductions))]
    public void SumMeanVarStd(int[] shape, int[]? axes, bool keepDims)
    {
        Check(t => t[0].Sum(axes, keepDims), [Random(1, shape)]);
        Check(t => t[0].Mean(axes, keepDims), [Random(1, shape)]);
        Check(t => t[0].Var(axes, keepDims), [Random(1, shape)]);
        if (ReducedCount(shape, axes) > 1) // a deviation of exactly 0 has no derivative
            Check(t => t[0].Std(axes, keepDims), [Random(1, shape)]);
    }

    [Theory, MemberData(nameof(Reductions))]
    public void MaxMin(int[] shape, int[]? axes, bool keepDims)
    {
        Check(t => t[0].Max(axes, keepDims), [Spread(1, shape)]);
        Check(t => t[0].Min(axes, keepDims), [Spread(2, shape)]);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 4, 5 })]
    [InlineData(new[] { 2, 1, 3, 4 }, new[] { 3, 4, 2 })]
    [InlineData(new[] { 3, 4 }, new[] { 2, 4, 1 })]
    [InlineData(new[] { 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 5 }, new[] { 5 })]
    public void BatchedBroadcastMatMul(int[] a, int[] b) =>
        Check(t => t[0].MatMul(t[1]), [Random(1, a), Random(2, b)]);

    [Fact]
    public void ShapeOps()
    {
        Check(t => t[0].Squeeze().Unsqueeze(-1), [Random(1, 3, 1, 5)]);
        Check(t => t[0].Transpose(), [Random(1, 2, 3, 5)]);
        Check(t => t[0].Transpose(0, 2), [Random(1, 2, 3, 5)]);
        Check(t => t[0].Slice(1, 1..^1), [Random(1, 2, 5, 3)]);
        Check(t => t[0].Select(-1, 2) * t[0].Select(0, 1).Sum(), [Random(1, 2, 5, 3)]);
        Check(t => t[0].Split([1, 3, 1], axis: 1)[1], [Random(1, 2, 5, 3)]);
        Check(t => Tensor.Stack([t[0], t[1].Tanh()], axis: 1), [Random(1, 3, 4), Random(2, 3, 4)]);
        Check(t => Tensor.Concat([t[0], t[1]], axis: -1), [Random(1, 3, 2), Random(2, 3, 5)]);
        Check(t => t[0].BroadcastTo(2, 3, 4), [Random(1, 3, 1)]);
        Check(t => t[0].Reshape(-1, 2).Sigmoid(), [Random(1, 3, 4)]);
    }

    [Fact]
    public void MaxSendsTheGradientToTheFirstOfTiedElements()
    {
        var x = Tensor.FromArray([1f, 3f, 3f, 0f, 2f, 2f], 2, 3);
        x.RequiresGrad = true;
        x.Max(axis: 1).Sum().Backward();
        Assert.Equal([0f, 1f, 0f, 0f, 1f, 0f], x.Grad!.ToArray());

        x.Grad = null;
        x.Min().Backward(); // all axes: the first minimum in row-major order
        Assert.Equal([0f, 0f, 0f, 1f, 0f, 0f], x.Grad!.ToArray());
    }

    private static int ReducedCount(int[] shape, int[]? axes)
    {
        if (axes is null) return shape.Aggregate(1, (p, d) => p * d);
        return axes.Aggregate(1, (p, a) => p * shape[a < 0 ? a + shape.Length : a]);
    }

    /// <summary>Values in [0.5, 1.5): away from the poles and branch points of log, sqrt and pow.</summary>
    private static Tensor Positive(Tensor t) => Detached(Ops.Add(Ops.Abs(t), 0.5f));

    /// <summary>|values| ≥ 0.5 with random signs: away from 0, where 1/x and |x| are steep or kinked.</summary>
    private static Tensor Away(Tensor t)
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = s[i] < 0 ? s[i] - 0.5f : s[i] + 0.5f;
        return t;
    }

    /// <summary>Distinct values 0.1 apart in a shuffled order, so no finite-difference step crosses a tie or a clip edge.</summary>
    private static Tensor Spread(int seed, params int[] shape)
    {
        var t = Tensor.Zeros(new Shape(shape));
        var s = t.Span;
        var order = Enumerable.Range(0, s.Length).OrderBy(i => (i * 7919 + seed * 104729) % 1009).ToArray();
        for (int i = 0; i < s.Length; i++) s[order[i]] = (i - s.Length / 2) * 0.1f + 0.05f;
        return t;
    }

    private static Tensor Detached(Tensor t)
    {
        t.GradFn = null;
        t.RequiresGrad = false;
        return t;
    }
}
