using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void CreationFillsAndReportsShape()
    {
        var z = Tensor.Zeros(2, 3);
        Assert.Equal(new Shape(2, 3), z.Shape);
        Assert.All(z.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Ones(4).ToArray(), v => Assert.Equal(1f, v));
        Assert.Equal("(2, 3)", z.Shape.ToString());
        Assert.Equal("(5,)", new Shape(5).ToString());
    }

    [Fact]
    public void ViewSharesMemoryAndInfersOneDimension()
    {
        var t = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 3, 4);
        var v = t.View(2, -1);
        Assert.Equal(new Shape(2, 6), v.Shape);
        v.Span[7] = 100f;
        Assert.Equal(100f, t[1, 3]);
        Assert.Throws<ShapeMismatchException>(() => t.View(5, -1));
        Assert.Throws<ShapeMismatchException>(() => t.View(-1, -1));
    }

    [Fact]
    public void SliceRowsIsAViewAndGatherRowsCopies()
    {
        var t = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 4, 3);
        var s = t.SliceRows(1, 2);
        Assert.Equal(new[] { 3f, 4, 5, 6, 7, 8 }, s.ToArray());
        var g = t.GatherRows([3, 0]);
        Assert.Equal(new[] { 9f, 10, 11, 0, 1, 2 }, g.ToArray());
        g.Span[0] = -1;
        Assert.Equal(9f, t[3, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.GatherRows([4]));
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => t[4, 0]);
        Assert.Contains("(4, 3)", outside.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.SliceRows(3, 2));
    }

    [Fact]
    public void IntTensorsHoldLabels()
    {
        var labels = Tensor.FromArray(new[] { 3, 1, 4 }, 3);
        Assert.Equal(DType.Int32, labels.DType);
        Assert.Equal(new[] { 4, 3 }, labels.GatherRows([2, 0]).ToIntArray());
        Assert.Throws<InvalidOperationException>(() => labels.Span.Length);
    }

    [Fact]
    public void FromArrayRejectsWrongLength() =>
        Assert.Throws<ShapeMismatchException>(() => Tensor.FromArray(new float[5], 2, 3));

    [Fact]
    public void SeededRandomIsReproducibleAndStateCanBeRestored()
    {
        var a = Tensor.RandomNormal(new Shape(1000), generator: new RandomGenerator(42)).ToArray();
        var b = Tensor.RandomNormal(new Shape(1000), generator: new RandomGenerator(42)).ToArray();
        Assert.Equal(a, b);
        Assert.InRange(a.Average(), -0.1, 0.1);
        Assert.InRange(Math.Sqrt(a.Select(v => (double)v * v).Average()), 0.9, 1.1);

        var g = new RandomGenerator(1);
        g.NextUInt();
        var state = g.GetState();
        uint next = g.NextUInt();
        g.SetState(state);
        Assert.Equal(next, g.NextUInt());
    }

    [Fact]
    public void UniformIntegersCoverTheRange()
    {
        var g = new RandomGenerator(3);
        var seen = new bool[7];
        for (int i = 0; i < 1000; i++) seen[g.NextInt(7)] = true;
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void ScopeReturnsTemporariesButNotOrdinaryTensors()
    {
        var kept = Tensor.Zeros(64);
        Tensor temp;
        using (Tensor.Scope())
        {
            temp = Tensor.Temp(new Shape(64));
            temp.Span.Fill(1);
        }
        Assert.Throws<ObjectDisposedException>(() => temp.Span.Length);
        Assert.Equal(64, kept.Span.Length);
    }
}
