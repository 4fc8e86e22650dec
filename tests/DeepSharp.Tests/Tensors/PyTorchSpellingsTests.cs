using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>
/// What a PyTorch user wrote from docs/tensors.md and did not get (docaudit2): torch.arange/linspace/eye and the
/// *_like factories (Keras's ops of those names), shapes as int[] collection expressions, negative element
/// indices and slice starts (torch.narrow), detach (Keras's stop_gradient). Expected values by hand.
/// </summary>
public class PyTorchSpellingsTests
{
    [Fact]
    public void ArangeStopsBeforeStopForEitherSignOfStep()
    {
        Assert.Equal([0f, 1f, 2f], Tensor.Arange(3).ToArray());
        Assert.Equal([2f, 5f, 8f], Tensor.Arange(2, 10, 3).ToArray());           // ⌈8/3⌉ = 3 elements
        Assert.Equal([5f, 3f, 1f], Tensor.Arange(5, 0, -2).ToArray());
        Assert.Equal(10, Tensor.Arange(0f, 1f, 0.1f).Size);                       // NumPy's count
        Assert.Equal(0.7f, Tensor.Arange(0f, 1f, 0.1f)[7], 6);
        Assert.Equal(new Shape(0), Tensor.Arange(3, 3).Shape);
        Assert.Equal(new Shape(0), Tensor.Arange(5, 0).Shape);                   // positive step away from stop
        Assert.Equal([-2, -1, 0, 1], Tensor.Arange(-2, 2, dtype: DType.Int32).ToIntArray());
        Assert.Equal(DType.Int32, Tensor.Arange(0, 4, dtype: DType.Int32).DType);
        Assert.Equal([5f, 4f, 3f], Tensor.Arange(5, 2, -1).ToArray());
    }

    [Fact]
    public void ArangeRefusesAZeroStepAndFractionalIntegers()
    {
        var zero = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, 0));
        Assert.Contains("Arange", zero.Message);
        Assert.Contains("step", zero.Message);
        var fraction = Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, 2f, 0.5f, DType.Int32));
        Assert.Contains("Int32", fraction.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(float.NaN));
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, float.PositiveInfinity));
    }

    [Fact]
    public void LinspaceEndsAtStopOrLeavesItOut()
    {
        Assert.Equal([1f, 1.5f, 2f, 2.5f, 3f], Tensor.Linspace(1f, 3f, 5).ToArray());
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f], Tensor.Linspace(0f, 1f, 4, endpoint: false).ToArray());
        Assert.Equal([3f, 2f, 1f], Tensor.Linspace(3f, 1f, 3).ToArray());
        Assert.Equal(50, Tensor.Linspace(0f, 1f).Size);
        Assert.Equal(1f, Tensor.Linspace(-1f, 1f)[-1]);
        Assert.Equal([7f], Tensor.Linspace(7f, 9f, 1).ToArray());
        Assert.Equal(0, Tensor.Linspace(0f, 1f, 0).Size);
        Assert.Contains("num", Assert.Throws<ArgumentException>(() => Tensor.Linspace(0f, 1f, -1)).Message);
    }

    [Fact]
    public void EyePutsOnesOnTheChosenDiagonal()
    {
        Assert.Equal([1f, 0f, 0f, 1f], Tensor.Eye(2).ToArray());
        Assert.Equal([0f, 0f, 1f, 0f, 0f, 1f], Tensor.Eye(3, 2, k: -1).ToArray());
        Assert.Equal([1f, 0f, 0f, 0f, 1f, 0f], Tensor.Eye(2, 3).ToArray());
        Assert.All(Tensor.Eye(2, 2, k: 5).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(new Shape(0, 0), Tensor.Eye(0).Shape);
        Assert.Contains("Eye", Assert.Throws<ArgumentException>(() => Tensor.Eye(-1)).Message);
    }

    [Fact]
    public void LikeFactoriesKeepShapeAndDType()
    {
        var floats = Tensor.RandomUniform(new Shape(2, 3));
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f], Tensor.OnesLike(floats).ToArray());
        Assert.Equal(new Shape(2, 3), Tensor.FullLike(floats, 2.5f).Shape);
        Assert.Equal(2.5f, Tensor.FullLike(floats, 2.5f)[1, 2]);
        var ints = Tensor.FromArray(new[] { 4, 5 }, 2);
        Assert.Equal(DType.Int32, Tensor.ZerosLike(ints).DType);
        Assert.Equal([0, 0], Tensor.ZerosLike(ints).ToIntArray());
        Assert.Equal([-3, -3], Tensor.FullLike(ints, -3f).ToIntArray());
        Assert.Contains("FullLike", Assert.Throws<ArgumentException>(() => Tensor.FullLike(ints, 0.5f)).Message);
    }

    [Fact]
    public void ShapesAsCollectionExpressions()
    {
        Assert.Equal([0.5f, 0.5f, 0.5f, 0.5f], Tensor.Full([2, 2], 0.5f).ToArray());
        RandomGenerator.SetGlobalSeed(9);
        var normal = Tensor.RandomNormal([3, 2], mean: 1f, std: 0f);
        Assert.Equal(new Shape(3, 2), normal.Shape);
        Assert.All(normal.ToArray(), v => Assert.Equal(1f, v));
        var uniform = Tensor.RandomUniform([4], 2f, 3f);
        Assert.All(uniform.ToArray(), v => Assert.InRange(v, 2f, 3f));
    }

    [Fact]
    public void ElementIndexerCountsNegativeIndicesFromTheEnd()
    {
        var v = Tensor.FromArray(new float[,] { { 0, 1, 2 }, { 3, 4, 5 } });
        Assert.Equal(5f, v[-1, -1]);
        Assert.Equal(3f, v[-1, 0]);
        Assert.Equal(0f, v[-2, 0]);
        Assert.Equal(1f, v[0, -2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => v[-3, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => v[0, 3]);
        var row = Assert.Throws<ArgumentException>(() => v[0]);                  // PyTorch's t[0] is a row
        Assert.Contains("(2, 3)", row.Message);
        Assert.Contains("Select", row.Message);
    }

    [Fact]
    public void SliceTakesANegativeStartAsTorchNarrow()
    {
        var v = Tensor.FromArray(new float[,] { { 0, 1, 2, 3 }, { 4, 5, 6, 7 } });
        Assert.Equal([2f, 3f, 6f, 7f], v.Slice(1, -2, 2).ToArray());
        Assert.Equal([3f, 7f], v.Slice(-1, -1, 1).ToArray());
        Assert.Equal([4f, 5f, 6f, 7f], v.Slice(0, -1, 1).ToArray());
        var beyond = Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(1, -2, 3));
        Assert.Contains("Slice", beyond.Message);
        Assert.Contains("(2, 4)", beyond.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(1, -5, 1));
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(1, 2..9));
        Assert.Contains("Slice", range.Message);
        Assert.Contains("(2, 4)", range.Message);
    }

    [Fact]
    public void SliceWithANegativeStartSendsTheGradientToThoseElements()
    {
        var x = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        x.RequiresGrad = true;
        var weights = Tensor.FromArray(new float[,] { { 10, 20 }, { 30, 40 } });
        (x.Slice(1, -2, 2) * weights).Sum().Backward();
        Assert.Equal([0f, 10f, 20f, 0f, 30f, 40f], x.Grad!.ToArray());
    }

    [Fact]
    public void DetachAndStopGradientPassNoGradientBack()
    {
        var x = Tensor.FromArray(new[] { 1f, -2f, 3f }, 3);
        x.RequiresGrad = true;
        // d/dx [Σ x·x + Σ detach(x)·x + Σ stop_gradient(x)·x] = 2x + x + x
        ((x * x).Sum() + (x.Detach() * x).Sum() + (Ops.StopGradient(x) * x).Sum()).Backward();
        Assert.Equal([4f, -8f, 12f], x.Grad!.ToArray());

        var detached = (x * 2f).Detach();
        Assert.False(detached.RequiresGrad);
        Assert.Null(detached.GradFn);
        Assert.Equal([2f, -4f, 6f], detached.ToArray());
        Assert.Throws<InvalidOperationException>(() => detached.Sum().Backward());
    }

    [Fact]
    public void ArithmeticOnAnInt32TensorNamesTheOpAndTheConversion()
    {
        var labels = Tensor.FromArray(new[] { 0, 2, 1 }, 3);
        var floats = Tensor.Ones(3);
        var scalar = Assert.Throws<InvalidOperationException>(() => labels + 1f);
        Assert.Contains("(3,)", scalar.Message);
        Assert.Contains("Int32", scalar.Message);
        Assert.Contains("ToFloat()", scalar.Message);
        Assert.StartsWith("Multiply:", Assert.Throws<InvalidOperationException>(() => floats * labels).Message);
        Assert.StartsWith("Divide:", Assert.Throws<InvalidOperationException>(() => labels / 2f).Message);
        Assert.Equal([1f, 3f, 2f], (labels.ToFloat() + 1f).ToArray());
    }

    [Fact]
    public void DetachSharesMemory()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var view = x.Detach();
        x.Span[0] = 9f;
        Assert.Equal(9f, view[0]);
        Assert.Equal(x.Shape, view.Shape);
    }
}
