using DeepSharp.Autograd;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>Ops.Permute: values, its inverse, its gradient and bad permutations.</summary>
public class PermuteTests
{
    [Fact]
    public void MovesAxesAsNumpyTranspose()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        var y = Ops.Permute(x, 2, 0, 1);
        Assert.Equal(new Shape(4, 2, 3), y.Shape);
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 4; c++) Assert.Equal(x[a, b, c], y[c, a, b]);
        Assert.Equal(x.ToArray(), Ops.Permute(y, Ops.InversePermutation([2, 0, 1])).ToArray());
    }

    [Theory]
    [InlineData(new[] { 1, 0 })]
    [InlineData(new[] { 0, 2, 3, 1 })]
    [InlineData(new[] { 3, 1, 0, 2 })]
    public void Gradient(int[] perm) =>
        Check(t => Ops.Permute(Ops.Multiply(t[0], t[0]), perm), [perm.Length == 2 ? Random(1, 3, 5) : Random(1, 2, 3, 2, 4)]);

    [Fact]
    public void RejectsWhatIsNotAPermutation()
    {
        var x = Tensor.Zeros(2, 3);
        Assert.Throws<ShapeMismatchException>(() => Ops.Permute(x, 0, 0));
        Assert.Throws<ShapeMismatchException>(() => Ops.Permute(x, 0, 2));
        Assert.Throws<ShapeMismatchException>(() => Ops.Permute(x, 0));
    }
}
