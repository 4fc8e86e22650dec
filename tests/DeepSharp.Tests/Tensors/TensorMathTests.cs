using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>Values of the tensor maths against hand-worked NumPy results, and their errors.</summary>
public class TensorMathTests
{
    private static Tensor Range(params int[] shape)
    {
        int n = shape.Aggregate(1, (p, d) => p * d);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), shape);
    }

    [Fact]
    public void OperatorsBroadcastAndTakeScalarsOnEitherSide()
    {
        var a = Range(2, 3);                       // [[0 1 2] [3 4 5]]
        var row = Tensor.FromArray([10f, 20f, 30f], 3);
        var col = Tensor.FromArray([1f, 2f], 2, 1);
        Assert.Equal([10f, 21f, 32f, 13f, 24f, 35f], (a + row).ToArray());
        Assert.Equal([-1f, 0f, 1f, 1f, 2f, 3f], (a - col).ToArray());
        Assert.Equal([0f, 1f, 2f, 6f, 8f, 10f], (a * col).ToArray());
        Assert.Equal(new Shape(2, 3), (col / row).Shape);
        Assert.Equal([1f, 0f, -1f, -2f, -3f, -4f], (1f - a).ToArray());
        Assert.Equal([0f, -1f, -2f, -3f, -4f, -5f], (-a).ToArray());
        Assert.Equal([0f, 2f, 4f, 6f, 8f, 10f], (2f * a).ToArray());
        Assert.Equal(new[] { 0f, 1f, 2f, 3f, 4f, 5f }.Select(v => v / 3f), (a / 3f).ToArray()); // a true division
        Assert.Equal([float.PositiveInfinity, 1f, 0.5f], (1f / Range(3)).ToArray());
        Assert.Equal([2.5f, 3.5f], (Range(2) + 2.5f).ToArray());
    }

    [Fact]
    public void BadShapesNameTheOpAndBothShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Range(2, 3) + Range(4));
        Assert.Contains("Add", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Range(2, 3).MatMul(Range(2, 3)));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("(2, 3) · (2, 3)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Tensor.Where(Range(2), Range(3), Range(3)));
        Assert.Contains("Where", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Range(2, 3).Greater(Range(2)));
        Assert.Contains("Greater", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Range(2, 3).Sum(axis: 2));
        Assert.Contains("Sum: axis 2", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Range(2, 3).Sum([1, -1]));
        Assert.Throws<ShapeMismatchException>(() => Range(2, 3).Squeeze(0));
        Assert.Throws<ShapeMismatchException>(() => Range(2, 5).Split(2, axis: 1));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 0).Max(axis: 1));
        Assert.Throws<ShapeMismatchException>(() => Range(3).BroadcastTo(2, 4));
    }

    [Fact]
    public void UnaryMathsMatchMathF()
    {
        var x = Tensor.FromArray([0.25f, 1f, 2f, 4f], 4);
        Assert.Equal(x.ToArray().Select(v => MathF.Exp(v)), x.Exp().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(x.ToArray().Select(v => MathF.Log(v)), x.Log().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.5f, 1f, MathF.Sqrt(2f), 2f], x.Sqrt().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.0625f, 1f, 4f, 16f], x.Square().ToArray());
        Assert.Equal([0.125f, 1f, MathF.Pow(2f, 1.5f), 8f], x.Pow(1.5f).ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.5f, 1f, MathF.Sqrt(2f), 2f], x.Pow(Tensor.FromArray([0.5f], 1)).ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.25f, 1f, 1.5f, 1.5f], x.Clip(0f, 1.5f).ToArray());
        Assert.Equal([2f, 0f, 3f], Tensor.FromArray([-2f, 0f, 3f], 3).Abs().ToArray());
    }

    [Fact]
    public void ComparisonsGiveZeroOneFloatsAndNaNComparesFalse()
    {
        var a = Tensor.FromArray([1f, 2f, float.NaN, 4f], 4);
        var b = Tensor.FromArray([1f, 3f, float.NaN, 0f], 4);
        Assert.Equal([1f, 0f, 0f, 0f], a.Equal(b).ToArray());
        Assert.Equal([0f, 1f, 1f, 1f], a.NotEqual(b).ToArray());
        Assert.Equal([0f, 0f, 0f, 1f], a.Greater(b).ToArray());
        Assert.Equal([1f, 0f, 0f, 1f], a.GreaterEqual(b).ToArray());
        Assert.Equal([0f, 1f, 0f, 0f], a.Less(b).ToArray());
        Assert.Equal([1f, 1f, 0f, 0f], a.LessEqual(b).ToArray());
        Assert.Equal([0f, 1f, 0f, 1f], a.Greater(1.5f).ToArray());
        Assert.Equal(DType.Float32, a.Less(b).DType);
        Assert.Equal(new Shape(2, 3), Range(2, 1).Less(Range(3)).Shape);
        Assert.False(a.Equal(b).RequiresGrad);
    }

    [Fact]
    public void WhereBroadcastsAndIgnoresTheBranchNotTaken()
    {
        var x = Tensor.FromArray([-1f, 0f, 4f], 3);
        var safe = Tensor.Where(x.Greater(0f), x.Log(), 0f); // log(-1) = NaN is not taken
        Assert.Equal([0f, 0f, MathF.Log(4f)], safe.ToArray());
        var chosen = Tensor.Where(Tensor.FromArray([1f, 0f], 2, 1), Range(3), -1f);
        Assert.Equal([0f, 1f, 2f, -1f, -1f, -1f], chosen.ToArray());

        x.RequiresGrad = true;
        var positive = x.Greater(0f);
        Tensor.Where(positive, x.Log(), 0f).Sum().Backward();
        Assert.True(float.IsNaN(x.Grad![1])); // log's derivative 1/x at 0 times Where's 0 (as in PyTorch)
        x.Grad = null;
        Tensor.Where(positive, Tensor.Where(positive, x, 1f).Log(), 0f).Sum().Backward();
        Assert.Equal([0f, 0f, 0.25f], x.Grad!.ToArray()); // the input guarded too: no NaN
    }

    [Fact]
    public void ReductionsAlongAxes()
    {
        var x = Range(2, 3, 4);
        Assert.Equal([12f, 15f, 18f, 21f, 48f, 51f, 54f, 57f], x.Sum(axis: 1).ToArray());
        Assert.Equal(new Shape(2, 1, 4), x.Sum(axis: -2, keepDims: true).Shape);
        Assert.Equal([60f, 92f, 124f], x.Sum([0, 2]).ToArray());
        Assert.Equal(new Shape(1, 3, 1), x.Sum([0, -1], keepDims: true).Shape);
        Assert.Equal(276f, x.Sum().Item());
        Assert.Equal(Shape.Scalar, x.Sum().Shape);
        Assert.Equal(new Shape(1, 1, 1), x.Mean(keepDims: true).Shape);
        Assert.Equal(11.5f, x.Mean().Item());
        Assert.Equal([1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f], x.Mean(axis: -1).ToArray());
        Assert.Equal([20f, 21f, 22f, 23f], x.Max([0, 1]).ToArray());
        Assert.Equal([0f, 4f, 8f], x.Min([0, 2]).ToArray());
        Assert.Equal(1.25f, Range(4).Var().Item());                  // numpy.var([0,1,2,3])
        Assert.Equal(MathF.Sqrt(1.25f), Range(4).Std().Item(), 6);
        Assert.Equal([36f, 36f, 36f, 36f, 36f, 36f], x.Var(axis: 0).ToArray().Take(6));
        Assert.Equal(0f, Tensor.Zeros(0, 3).Sum().Item());
    }

    [Fact]
    public void ArgMaxAndArgMinGiveInt32IndicesOfTheFirstExtremum()
    {
        var x = Tensor.FromArray([1f, 5f, 5f, 0f, -2f, 7f, 7f, -2f], 2, 4);
        var arg = x.ArgMax(axis: 1);
        Assert.Equal(DType.Int32, arg.DType);
        Assert.Equal([1, 1], arg.ToIntArray());
        Assert.Equal([0, 1, 1, 0], x.ArgMax(axis: 0).ToIntArray());
        Assert.Equal([3, 0], x.ArgMin(axis: -1).ToIntArray());
        Assert.Equal(new Shape(2, 1), x.ArgMin(axis: 1, keepDims: true).Shape);
        Assert.Equal(5, (int)x.ArgMax().Item());
        Assert.Equal(4, (int)x.ArgMin().Item());
        Assert.Equal([1], Tensor.FromArray([0f, float.NaN, 9f], 3).ArgMax(0).ToIntArray().Take(1));
    }

    [Fact]
    public void MatMulBroadcastsBatchAxesAsNumPy()
    {
        var a = Range(2, 1, 2, 3);
        var b = Range(4, 3, 2);
        var y = a.MatMul(b);
        Assert.Equal(new Shape(2, 4, 2, 2), y.Shape);
        for (int i = 0; i < 2; i++)
            for (int h = 0; h < 4; h++)
                for (int r = 0; r < 2; r++)
                    for (int c = 0; c < 2; c++)
                    {
                        float expected = 0;
                        for (int k = 0; k < 3; k++) expected += a[i, 0, r, k] * b[h, k, c];
                        Assert.Equal(expected, y[i, h, r, c]);
                    }
        Assert.Equal(new Shape(4, 2), Range(3).MatMul(b).Shape);
        Assert.Equal(new Shape(2, 1, 2), a.MatMul(Range(3)).Shape);
        Assert.Equal(5f, Range(3).MatMul(Range(3)).Item());
    }

    [Fact]
    public void ShapeOpsSliceSelectSplitStack()
    {
        var x = Range(2, 3, 4);
        Assert.Equal([1f, 2f, 5f, 6f, 9f, 10f, 13f, 14f, 17f, 18f, 21f, 22f], x.Slice(2, 1..3).ToArray());
        Assert.Equal(x.Slice(-1, 1, 2).ToArray(), x.Slice(2, 1..^1).ToArray());
        Assert.Equal([4f, 5f, 6f, 7f, 16f, 17f, 18f, 19f], x.Select(1, 1).ToArray());
        Assert.Equal(new Shape(2, 4), x.Select(1, -1).Shape);
        var parts = x.Split([1, 3], axis: -1);
        Assert.Equal(new Shape(2, 3, 1), parts[0].Shape);
        Assert.Equal(new Shape(2, 3, 3), parts[1].Shape);
        Assert.Equal(x.ToArray(), Tensor.Concat(parts, axis: 2).ToArray());
        var s = Tensor.Stack([Range(2, 3), Range(2, 3) + 10f], axis: 1);
        Assert.Equal(new Shape(2, 2, 3), s.Shape);
        Assert.Equal([0f, 1f, 2f, 10f, 11f, 12f], s.Select(0, 0).ToArray());
        Assert.Equal(new Shape(4, 3, 2), x.Transpose(0, 2).Shape);
        Assert.Equal(x[1, 2, 3], x.Transpose()[1, 3, 2]);
        Assert.Equal(new Shape(2, 1, 3, 4), x.Unsqueeze(1).Shape);
        Assert.Equal(new Shape(2, 3, 4, 1), x.Unsqueeze(-1).Shape);
        Assert.Equal(new Shape(3), Range(1, 3, 1).Squeeze().Shape);
        Assert.Equal(new Shape(6, 4), x.Reshape(-1, 4).Shape);
        Assert.Equal([0f, 1f, 0f, 1f], Range(2).BroadcastTo(2, 2).ToArray());
    }

    [Fact]
    public void ExpandStretchesSizeOneAxesOfFloatAndIntTensors()
    {
        Assert.Equal([0f, 1f, 2f, 0f, 1f, 2f], Broadcasting.Expand(Range(3), new Shape(2, 3)).ToArray());
        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f], Broadcasting.Expand(Range(2, 1), new Shape(2, 3)).ToArray());
        Assert.Equal([7f, 7f, 7f, 7f], Broadcasting.Expand(Tensor.Scalar(7f), new Shape(2, 1, 2)).ToArray());
        Assert.Equal([4, 5, 4, 5], Broadcasting.Expand(Tensor.FromArray([4, 5], 1, 2), new Shape(2, 2)).ToIntArray());
        Assert.Equal([9, 9], Broadcasting.Expand(Tensor.FromArray([9], 1), new Shape(2)).ToIntArray());
        var same = Range(2, 2);
        Assert.Same(same, Broadcasting.Expand(same, new Shape(2, 2)));
        var e = Assert.Throws<ShapeMismatchException>(() => Broadcasting.Expand(Range(2, 3), new Shape(3)));
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void FromArrayCopiesAndWrapTakesOwnership()
    {
        var data = new[] { 1f, 2f, 3f };
        var copy = Tensor.FromArray(data, 3);
        var wrapped = Tensor.Wrap(data, 3);
        data[0] = 99f;
        Assert.Equal(1f, copy[0]);
        Assert.Equal(99f, wrapped[0]);
        var ints = new[] { 4, 5 };
        var intCopy = Tensor.FromArray(ints, 2);
        ints[1] = 0;
        Assert.Equal([4, 5], intCopy.ToIntArray());
        Assert.Throws<ShapeMismatchException>(() => Tensor.Wrap(data, 2, 2));
    }

    [Fact]
    public void MultiDimensionalArraysRoundTrip()
    {
        var m = new float[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        var t = Tensor.FromArray(m);
        Assert.Equal(new Shape(2, 3), t.Shape);
        m[0, 0] = 100;
        Assert.Equal(1f, t[0, 0]);
        Assert.Equal(new float[,] { { 1, 4 }, { 2, 5 }, { 3, 6 } }, t.Transpose().ToArray2D());
        var cube = Range(2, 3, 4).ToArray3D();
        Assert.Equal(23f, cube[1, 2, 3]);
        Assert.Equal(Range(2, 3, 4).ToArray(), Tensor.FromArray(cube).ToArray());
        Assert.Equal(7f, Range(1, 2, 2, 2).ToArray4D()[0, 1, 1, 1]);
        var indices = (int[,])Range(2, 3).ArgMax(axis: 1, keepDims: true).ToShapedArray();
        Assert.Equal(2, indices[1, 0]);
        Assert.Throws<ShapeMismatchException>(() => Range(6).ToArray2D());
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tolerance * Math.Max(1f, MathF.Abs(x));
        public int GetHashCode(float obj) => 0;
    }
}
