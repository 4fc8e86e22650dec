using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// The Dense layer with GELU as one op (<see cref="Ops.LinearGelu"/>): finite differences, the bits of
/// <c>Gelu(Linear(x, W, b))</c> forward and backward, the same bits on 1–3 threads, and Dense(gelu)
/// training through it.
/// </summary>
public class LinearGeluTests
{
    private static readonly Tensor One = Tensor.Scalar(1f);

    [Fact]
    public void FiniteDifferences()
    {
        var x = GradCheck.Random(1, 5, 7);
        Check(t => Ops.LinearGelu(Ops.Multiply(t[0], One), t[1], t[2]), [x, GradCheck.Random(2, 7, 6), GradCheck.Random(3, 6)],
            epsilon: 1e-3f, maxElementsPerInput: 42);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(257, 13, 33)]
    [InlineData(300, 128, 512)]
    public void SameBitsAsLinearThenGelu(int rows, int inF, int outF)
    {
        var fused = Run(rows, inF, outF, fuse: true);
        var plain = Run(rows, inF, outF, fuse: false);
        for (int i = 0; i < fused.Length; i++) Assert.Equal(plain[i], fused[i]);
    }

    [Fact]
    public void SameBitsOnEveryThreadCount()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var one = Run(600, 64, 256, fuse: true);
            foreach (int threads in new[] { 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                var many = Run(600, 64, 256, fuse: true);
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
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.LinearGelu(GradCheck.Random(1, 4, 3), GradCheck.Random(2, 3, 5), GradCheck.Random(3, 4)));
        Assert.Contains("LinearGelu bias", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Ops.LinearGelu(GradCheck.Random(1, 4, 3), GradCheck.Random(2, 2, 5), GradCheck.Random(3, 5)));
        Assert.Contains("LinearGelu needs x (batch, in) and W (in, out)", e.Message);
    }

    [Fact]
    public void DenseWithGeluTrainsThroughTheFusedOp()
    {
        var dense = new Dense(6, Activation.Gelu);
        dense.Build(new Shape(4, 5));
        var x = GradCheck.Random(4, 2, 4, 5);
        var y = dense.Call(x, training: true);
        Assert.Equal("LinearGelu", y.GradFn!.Inputs[0].GradFn!.Name); // Reshape ← LinearGelu
        Ops.Sum(Ops.Multiply(y, y)).Backward();
        Assert.All(dense.Parameters, p => Assert.NotNull(p.Value.Grad));
    }

    /// <summary>The output, then the gradients of x, W and b.</summary>
    private static float[][] Run(int rows, int inF, int outF, bool fuse)
    {
        var x = GradCheck.Random(11, rows, inF);
        var w = GradCheck.Random(12, inF, outF);
        var b = GradCheck.Random(13, outF);
        x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
        var input = Ops.Multiply(x, One);
        var y = fuse ? Ops.LinearGelu(input, w, b) : Ops.Gelu(Ops.Linear(input, w, b));
        var weights = Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(14));
        Ops.Sum(Ops.Multiply(y, weights)).Backward();
        return [y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray()];
    }
}
