using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

public class BroadcastingTests
{
    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 2, 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 3 }, new[] { 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 1 }, new[] { 1, 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 4, 1, 3 }, new[] { 2, 1 }, new[] { 4, 2, 3 })]
    [InlineData(new int[0], new[] { 2, 2 }, new[] { 2, 2 })]
    public void ResultMatchesIndexArithmetic(int[] a, int[] b, int[] expected)
    {
        var x = GradCheck.Random(1, a);
        var y = GradCheck.Random(2, b);
        var z = Broadcasting.Binary(x, y, BinaryOp.Subtract);
        Assert.Equal(new Shape(expected), z.Shape);
        var index = new int[expected.Length];
        for (int i = 0; i < z.Size; i++)
        {
            int rem = i;
            for (int d = expected.Length - 1; d >= 0; d--) { index[d] = rem % expected[d]; rem /= expected[d]; }
            Assert.Equal(x.Span[Offset(a, index)] - y.Span[Offset(b, index)], z.Span[i]);
        }
    }

    [Fact]
    public void IncompatibleShapesNameBoth()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Broadcasting.BroadcastShapes(new Shape(2, 3), new Shape(4)));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    [Fact]
    public void AccumulateReducedSumsBroadcastAxes()
    {
        var grad = Tensor.Ones(2, 3);
        var target = Tensor.Zeros(3);
        Broadcasting.AccumulateReduced(grad, target);
        Assert.Equal(new[] { 2f, 2, 2 }, target.ToArray());
        var column = Tensor.Zeros(2, 1);
        Broadcasting.AccumulateReduced(grad, column);
        Assert.Equal(new[] { 3f, 3 }, column.ToArray());
    }

    private static int Offset(int[] shape, int[] index)
    {
        int offset = 0, lead = index.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[lead + d]);
        return offset;
    }
}
