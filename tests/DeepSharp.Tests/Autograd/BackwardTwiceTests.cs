using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// PyTorch's rule for walking a graph twice: a second Backward through the same graph throws unless the
/// first retained it; leaf gradients still accumulate across separate forward passes.
/// </summary>
public class BackwardTwiceTests
{
    private static Tensor Leaf(params float[] values)
    {
        var w = Tensor.FromArray(values, values.Length);
        w.RequiresGrad = true;
        return w;
    }

    // f = Σ relu(3w − 1)², reshaped on the way (relu and reshape reuse their gradient buffers in place):
    // ∂f/∂w = 6·relu(3w − 1) → for w = [1, −1, 2]: [12, 0, 30].
    private static Tensor F(Tensor w) => (w * 3f - 1f).Relu().Reshape(3, 1).Square().Sum();

    [Fact]
    public void SecondBackwardThroughTheSameGraphThrowsAndLeavesGradientsAlone()
    {
        var w = Leaf(1f, -1f, 2f);
        var f = F(w);
        f.Backward();
        Assert.Equal([12f, 0f, 30f], w.Grad!.ToArray());
        var e = Assert.Throws<InvalidOperationException>(() => f.Backward());
        Assert.Contains("second time", e.Message);
        Assert.Contains("retainGraph", e.Message);
        Assert.Contains("()", e.Message);   // the scalar result's shape
        Assert.Equal([12f, 0f, 30f], w.Grad!.ToArray());
    }

    [Fact]
    public void RetainGraphAllowsASecondBackwardThatAddsTheSameGradient()
    {
        var w = Leaf(1f, -1f, 2f);
        var f = F(w);
        f.Backward(retainGraph: true);
        f.Backward(retainGraph: true);
        Assert.Equal([24f, 0f, 60f], w.Grad!.ToArray());
        f.Backward();   // the last one may release it
        Assert.Equal([36f, 0f, 90f], w.Grad!.ToArray());
        Assert.Throws<InvalidOperationException>(() => f.Backward());
    }

    [Fact]
    public void RetainedGraphGivesTheSameGradientWithAGivenSeed()
    {
        var w = Leaf(1f, -1f, 2f);
        var y = (w * w).Exp();                                // ∂y/∂w · s = 2w·e^{w²}·s
        var seed = Tensor.FromArray([1f, 0.5f, -1f], 3);
        y.Backward(seed, retainGraph: true);
        var once = w.Grad!.ToArray();
        y.Backward(seed);
        float[] w0 = [1f, -1f, 2f], s = [1f, 0.5f, -1f];
        for (int i = 0; i < 3; i++)
        {
            double expected = 2 * w0[i] * Math.Exp(w0[i] * w0[i]) * s[i];
            Assert.Equal(expected, once[i], 3);
            Assert.Equal(2 * expected, w.Grad!.Span[i], 2);
        }
    }

    [Fact]
    public void SeparateForwardPassesAccumulateIntoLeaves()
    {
        var w = Leaf(1f, -1f, 2f);
        F(w).Backward();
        F(w).Backward();
        Assert.Equal([24f, 0f, 60f], w.Grad!.ToArray());
        w.Grad = null;   // zero_grad
        F(w).Backward();
        Assert.Equal([12f, 0f, 30f], w.Grad!.ToArray());
    }

    [Fact]
    public void ASharedSubgraphNeedsTheFirstBackwardToRetainIt()
    {
        // h = 2w; a = Σ h; b = Σ h² → ∂a/∂w = 2, ∂b/∂w = 8w.
        var w = Leaf(1f, -1f, 2f);
        var h = w * 2f;
        var a = h.Sum();
        var b = h.Square().Sum();
        a.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => b.Backward());
        Assert.Contains("(3,)", e.Message);   // h, the shared result, is named by its shape and op

        w.Grad = null;
        h = w * 2f;
        a = h.Sum();
        b = h.Square().Sum();
        a.Backward(retainGraph: true);
        b.Backward();
        Assert.Equal([10f, -6f, 18f], w.Grad!.ToArray());
    }

    [Fact]
    public void ALeafOutputCanBeBackedThroughRepeatedly()
    {
        var w = Leaf(5f);
        w.Backward();
        w.Backward();   // no graph to release: ∂w/∂w accumulates, as PyTorch
        Assert.Equal([2f], w.Grad!.ToArray());
    }

    [Fact]
    public void ResultsInsideAScopeStartFreshAfterAReleasedPass()
    {
        var w = Leaf(1f, -1f, 2f);
        for (int step = 0; step < 3; step++)
        {
            using (Tensor.Scope())
            {
                F(w).Backward();   // pooled results are reused each pass: never mistaken for a released graph
            }
        }
        Assert.Equal([36f, 0f, 90f], w.Grad!.ToArray());
    }
}
