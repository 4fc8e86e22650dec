using DeepSharp.Autograd;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// A residual sublayer's closing Dense and add as one op (<see cref="Ops.LinearResidual"/>): finite
/// differences, the bits of <c>Add(residual, Linear(x, W, b))</c> forward and backward (residual an
/// intermediate, a leaf, or x itself), the same bits on 1–3 threads, and the Transformer blocks' use.
/// </summary>
public class LinearResidualTests
{
    private static readonly Tensor One = Tensor.Scalar(1f);

    [Fact]
    public void FiniteDifferences()
    {
        Check(t => Ops.LinearResidual(Ops.Multiply(t[0], One), t[1], t[2], Ops.Multiply(t[3], One)),
            [GradCheck.Random(1, 5, 7), GradCheck.Random(2, 7, 6), GradCheck.Random(3, 6), GradCheck.Random(4, 5, 6)], epsilon: 1e-3f, maxElementsPerInput: 42);
        Check(t => Ops.LinearResidual(t[0], t[1], null, t[2]), [GradCheck.Random(5, 3, 4), GradCheck.Random(6, 4, 2), GradCheck.Random(7, 3, 2)], epsilon: 1e-3f);
    }

    [Theory]
    [InlineData(1, 1, 1, Residual.Intermediate, true)]
    [InlineData(3, 5, 7, Residual.Intermediate, false)]
    [InlineData(257, 13, 33, Residual.Leaf, true)]
    [InlineData(300, 512, 128, Residual.Intermediate, true)]
    [InlineData(17, 9, 9, Residual.SameAsX, true)]
    [InlineData(64, 31, 17, Residual.AlreadyHasGradient, true)]
    public void SameBitsAsLinearThenAdd(int rows, int inF, int outF, Residual residual, bool bias)
    {
        var fused = Run(rows, inF, outF, residual, bias, fuse: true);
        var plain = Run(rows, inF, outF, residual, bias, fuse: false);
        Assert.Equal(plain.Length, fused.Length);
        for (int i = 0; i < fused.Length; i++) Assert.Equal(plain[i], fused[i]);
    }

    [Fact]
    public void SameBitsOnEveryThreadCount()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var one = Run(600, 256, 64, Residual.Intermediate, bias: true, fuse: true);
            foreach (int threads in new[] { 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                var many = Run(600, 256, 64, Residual.Intermediate, bias: true, fuse: true);
                for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], many[i]);
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Fact]
    public void MismatchedShapesAreNamed()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.LinearResidual(GradCheck.Random(1, 4, 3), GradCheck.Random(2, 3, 5), null, GradCheck.Random(3, 4, 4)));
        Assert.Contains("LinearResidual residual (4, 4)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Ops.LinearResidual(GradCheck.Random(1, 4, 3), GradCheck.Random(2, 3, 5), GradCheck.Random(3, 4), GradCheck.Random(4, 4, 5)));
        Assert.Contains("LinearResidual bias", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Ops.LinearResidual(GradCheck.Random(1, 4, 3), GradCheck.Random(2, 2, 5), null, GradCheck.Random(3, 4, 5)));
        Assert.Contains("LinearResidual needs x (batch, in) and W (in, out)", e.Message);
    }

    [Fact]
    public void DecoderBlockTrainsThroughTheFusedOpWithTheUnfusedValues()
    {
        var block = new TransformerDecoderBlock(numHeads: 2, intermediateDim: 24);
        var x = GradCheck.Random(21, 3, 5, 16);
        x.RequiresGrad = true;
        var y = block.Call(x, training: true);
        Assert.Equal("LinearResidual", y.GradFn!.Inputs[0].GradFn!.Name); // Reshape ← LinearResidual
        var expected = block.Call(x, training: false); // inference: the Dense call, then the add
        Assert.Equal(expected.ToArray(), y.ToArray());
        Ops.Sum(Ops.Multiply(y, y)).Backward();
        Assert.All(block.Parameters, p => Assert.NotNull(p.Value.Grad));
        Assert.NotNull(x.Grad);
    }

    public enum Residual { Intermediate, Leaf, SameAsX, AlreadyHasGradient }

    /// <summary>The output, then the gradients of x, W, b (if any) and the residual's source.</summary>
    private static float[][] Run(int rows, int inF, int outF, Residual kind, bool bias, bool fuse)
    {
        var x = GradCheck.Random(11, rows, inF);
        var w = GradCheck.Random(12, inF, outF);
        var b = bias ? GradCheck.Random(13, outF) : null;
        var r = GradCheck.Random(15, rows, outF);
        x.RequiresGrad = w.RequiresGrad = r.RequiresGrad = true;
        if (b is not null) b.RequiresGrad = true;
        var input = Ops.Multiply(x, One);
        var residual = kind switch
        {
            Residual.Leaf => r,
            Residual.SameAsX => input,
            _ => Ops.Multiply(r, One),
        };
        var y = fuse ? Ops.LinearResidual(input, w, b, residual) : Ops.Add(residual, Ops.Linear(input, w, b));
        // A second reader of the residual adds into its gradient after (AlreadyHasGradient: before too).
        var loss = Ops.Sum(Ops.Multiply(y, Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(14))));
        if (kind == Residual.AlreadyHasGradient) loss = Ops.Add(loss, Ops.Sum(Ops.Multiply(residual, residual)));
        loss = Ops.Add(loss, Ops.Sum(Ops.Multiply(residual, Tensor.RandomNormal(residual.Shape, generator: new RandomGenerator(16)))));
        loss.Backward();
        var result = new List<float[]> { y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray() };
        if (b is not null) result.Add(b.Grad!.ToArray());
        if (kind != Residual.SameAsX) result.Add(r.Grad!.ToArray());
        return result.ToArray();
    }
}
