using DeepSharp.Autograd;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>PyTorch's basic slicing spelled with C# ranges and indices: Slice(ranges), Select(index).</summary>
public class RangeIndexingTests
{
    // v = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    private static Tensor V() => Tensor.Arange(12f).Reshape(3, 4);

    [Fact]
    public void RangesKeepTheirAxesAndIndicesRemoveThem()
    {
        var v = V();
        var rows = v.Slice(1..3);                         // v[1:3]
        Assert.Equal(new Shape(2, 4), rows.Shape);
        Assert.Equal([4f, 5, 6, 7, 8, 9, 10, 11], rows.ToArray());
        var columns = v.Slice(.., 1..3);                  // v[:, 1:3]
        Assert.Equal(new Shape(3, 2), columns.Shape);
        Assert.Equal([1f, 2, 5, 6, 9, 10], columns.ToArray());
        var inner = v.Slice(1..^1, ..);                   // v[1:-1, :]
        Assert.Equal(new Shape(1, 4), inner.Shape);
        Assert.Equal([4f, 5, 6, 7], inner.ToArray());
        var corner = v.Slice(^2.., ..^2);                 // v[-2:, :-2]
        Assert.Equal([4f, 5, 8, 9], corner.ToArray());
        Assert.Equal([8f, 9, 10, 11], v.Select(^1).ToArray());      // v[-1]
        Assert.Equal([8f, 9, 10, 11], v.Select(-1).ToArray());
        Assert.Equal([0f, 1, 2, 3], v.Select(0).ToArray());         // v[0]
        Assert.Equal([3f, 7, 11], v.Select(1, ^1).ToArray());        // v[:, -1]
        Assert.Equal([2f, 6, 10], v.Select(1, 2).ToArray());         // v[:, 2]
        Assert.Equal(Shape.Scalar, v.Select(1).Select(^2).Shape);     // v[1][-2] is a scalar
        Assert.Equal(6f, v.Select(1).Select(^2).Item());
        Assert.Equal(v.ToArray(), v.Slice(.., ..).ToArray());
        Assert.Equal(new Shape(0, 4), v.Slice(2..2).Shape);          // an empty range is allowed
    }

    [Fact]
    public void ThreeAxesAgainstExplicitLoops()
    {
        var x = Random(3, 4, 5, 6);
        var y = x.Slice(1..^1, .., ^4..^1);
        Assert.Equal(new Shape(2, 5, 3), y.Shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 5; j++)
                for (int k = 0; k < 3; k++)
                    Assert.Equal(x[1 + i, j, 2 + k], y[i, j, k]);
        var z = x.Select(2, ^5);
        Assert.Equal(new Shape(4, 5), z.Shape);
        Assert.Equal(x[3, 4, 1], z[3, 4]);
    }

    [Fact]
    public void BadRangesNameTheShape()
    {
        var v = V();
        var tooMany = Assert.Throws<ShapeMismatchException>(() => v.Slice(.., .., 0..1));
        Assert.Contains("(3, 4)", tooMany.Message);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(0..5));
        Assert.Contains("(3, 4)", outside.Message);
        Assert.Contains("outside", outside.Message);
        var backwards = Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(.., 3..1));
        Assert.Contains("backwards", backwards.Message);
        Assert.Contains("(3, 4)", backwards.Message);
        Assert.Contains("(3, 4)", Assert.Throws<ArgumentOutOfRangeException>(() => v.Select(^4)).Message);
        Assert.Contains("(3, 4)", Assert.Throws<ArgumentOutOfRangeException>(() => v.Select(3)).Message);
        Assert.Contains("(3, 4)", Assert.Throws<ArgumentOutOfRangeException>(() => v.Select(1, ^5)).Message);
        Assert.Throws<ShapeMismatchException>(() => Tensor.Scalar(1f).Select(^1));
    }

    [Fact]
    public void GradientsReachOnlyTheSelectedElements()
    {
        var v = V();
        v.RequiresGrad = true;
        var picked = v.Slice(1..^1, 1..3).Sum() + 2f * v.Select(^1).Sum();
        Assert.True(picked.RequiresGrad);
        picked.Backward();
        Assert.Equal([0f, 0, 0, 0, 0, 1, 1, 0, 2, 2, 2, 2], v.Grad!.ToArray());
        using (NoGrad.Scope()) Assert.False(v.Slice(1..2).RequiresGrad);
    }

    [Fact]
    public void SliceWithRangesGradientCheck() =>
        Check(t => t[0].Slice(1..^1, .., ^2..), [Random(1, 4, 5, 3)]);

    [Fact]
    public void SelectWithIndicesGradientCheck() =>
        Check(t => t[0].Select(^1) * t[0].Select(1, ^2).Sum() + t[0].Select(-2), [Random(2, 3, 3)]);

    [Fact]
    public void WholeRangeSliceStillDifferentiable() =>
        Check(t => t[0].Slice(.., ..).Square(), [Random(4, 2, 3)]);
}
