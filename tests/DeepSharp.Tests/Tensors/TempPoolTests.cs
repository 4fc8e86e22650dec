using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>Scoped temporaries: reuse of objects and memory, stale access, Keep, scope handles.</summary>
public class TempPoolTests
{
    [Fact]
    public void ScopeReusesTheTensorObjectAndMemoryOfATemporary()
    {
        Tensor first;
        using (Tensor.Scope()) first = Tensor.Temp(new Shape(5, 7));
        using (Tensor.Scope())
        {
            var again = Tensor.Temp(new Shape(6, 6), clear: true); // same size class (64 elements)
            Assert.Same(first, again);
            Assert.Equal(new Shape(6, 6), again.Shape);
            Assert.All(again.ToArray(), v => Assert.Equal(0f, v));
            Assert.False(again.RequiresGrad);
            Assert.Null(again.GradFn);
        }
    }

    [Fact]
    public void AStaleTemporaryThrowsInsteadOfReadingPooledMemory()
    {
        Tensor temp, view;
        using (Tensor.Scope())
        {
            temp = Ops.Relu(Tensor.Ones(3, 4));
            view = Ops.Reshape(temp, 12);
        }
        Assert.Throws<ObjectDisposedException>(() => temp.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => view.Span.Length);
    }

    [Fact]
    public void KeepOfAViewKeepsTheMemoryItViews()
    {
        Tensor kept;
        using (var scope = Tensor.Scope())
        {
            var temp = Ops.Relu(Tensor.FromArray([1f, -2f, 3f, -4f], 2, 2));
            kept = scope.Keep(Ops.Reshape(temp, 4));
        }
        using (Tensor.Scope())
            for (int i = 0; i < 8; i++) Tensor.Temp(new Shape(4)).Span.Fill(99f); // would overwrite a pooled buffer
        Assert.Equal([1f, 0f, 3f, 0f], kept.ToArray());
    }

    [Fact]
    public void KeepMovesATemporaryToTheEnclosingScope()
    {
        Tensor kept;
        using (Tensor.Scope())
        {
            using (var inner = Tensor.Scope()) kept = inner.Keep(Tensor.Temp(new Shape(3)));
            kept.Span.Fill(2f);
            Assert.Equal(6f, kept.ToArray().Sum());
        }
        Assert.Throws<ObjectDisposedException>(() => kept.Span.Length);
    }

    [Fact]
    public void DisposingAScopeTwiceOrOutOfOrderLeavesOtherScopesIntact()
    {
        var outer = Tensor.Scope();
        var inner = Tensor.Scope();
        var inInner = Tensor.Temp(new Shape(2));
        outer.Dispose();                       // out of order: inner stays open
        outer.Dispose();                       // twice: no effect
        var stillInner = Tensor.Temp(new Shape(2));
        Assert.Equal(2, stillInner.Span.Length);
        inner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => inInner.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => stillInner.Span.Length);
        var unscoped = Tensor.Temp(new Shape(2)); // no scope open any more: an ordinary tensor
        using (Tensor.Scope()) { }
        Assert.Equal(2, unscoped.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => inner.Keep(unscoped));
    }

    [Fact]
    public void ShapesWithTheSameDimensionsAreEqualAndBuildingThemAgainAllocatesNothing()
    {
        var a = new Shape(128, 26, 26, 32);
        Assert.Equal(a, new Shape([128, 26, 26, 32]));
        Assert.NotEqual(a, new Shape(128, 26, 26, 31));
        // The cache is shared by the whole process: another thread may evict an entry mid-loop, so
        // the best of three rounds must allocate nothing.
        long best = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                var s = new Shape(128, 26, 26, 32);
                if (s.WithoutBatch().WithBatch(128) != s) throw new InvalidOperationException();
            }
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, best);
    }
}
