using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// The training convolution + ReLU + max-pool in one op (<see cref="Ops.Conv2DMaxPool"/>), which
/// Sequential runs in training for a Conv2D followed by a MaxPooling2D: finite-difference checks, the
/// unfused chain's values (same bits) and gradients (float32 rounding), the same bits on 1–3 threads,
/// and a Sequential training step against the layers called one by one.
/// </summary>
public class Conv2DMaxPoolTests
{
    private static readonly Tensor One = Tensor.Scalar(1f);

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void FiniteDifferences(bool inputGradient, bool relu)
    {
        // Small: a step of ε = 1e-3 is unlikely to move a window's maximum or cross zero.
        var x = GradCheck.Random(2, 1, 5, 4, 2);
        Tensor[] weights = [GradCheck.Random(3, 3, 3, 2, 3), GradCheck.Random(4, 3)];
        if (inputGradient)
            // x·1: an intermediate input, so that the input-gradient path runs.
            Check(t => Ops.Conv2DMaxPool(Ops.Multiply(t[0], One), t[1], t[2], (1, 1), (1, 1), relu, (2, 2))!,
                [x, .. weights], epsilon: 1e-3f, maxElementsPerInput: 60);
        else
            Check(t => Ops.Conv2DMaxPool(x, t[0], t[1], (1, 1), (1, 1), relu, (2, 2))!, weights, epsilon: 1e-3f, maxElementsPerInput: 60);
    }

    [Theory]
    [InlineData(false, 28, 28, 1, 32, 2)]
    [InlineData(true, 28, 28, 1, 32, 2)]
    [InlineData(false, 11, 12, 3, 17, 3)]
    [InlineData(true, 13, 13, 5, 8, 2)]
    public void MatchesTheUnfusedChain(bool inputGradient, int h, int w, int cin, int cout, int pool)
    {
        var fused = Run(inputGradient, h, w, cin, cout, pool, fuse: true);
        var plain = Run(inputGradient, h, w, cin, cout, pool, fuse: false);
        Assert.Equal(plain[0], fused[0]); // the pooled values: the same bits
        for (int i = 1; i < fused.Length; i++)
            for (int e = 0; e < fused[i].Length; e++)
                Assert.True(Math.Abs(fused[i][e] - plain[i][e]) <= 1e-4f + 1e-4f * Math.Abs(plain[i][e]),
                    $"gradient {i} element {e}: fused {fused[i][e]}, unfused {plain[i][e]}");
    }

    [Fact]
    public void SameBitsOnEveryThreadCount()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var one = Run(inputGradient: false, 28, 28, 1, 32, 2, fuse: true, batch: 37);
            foreach (int threads in new[] { 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                var many = Run(inputGradient: false, 28, 28, 1, 32, 2, fuse: true, batch: 37);
                for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], many[i]);
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Fact]
    public void MisfitShapesAreLeftToTheTwoOpsAndWinogradShapesFuseUnder2x2Pools()
    {
        var kernel = GradCheck.Random(1, 3, 3, 2, 4);
        Assert.Null(Ops.Conv2DMaxPool(GradCheck.Random(2, 1, 2, 2, 2), kernel, null, (1, 1), (1, 1), true, (2, 2))); // input smaller than the kernel
        Assert.Null(Ops.Conv2DMaxPool(GradCheck.Random(2, 1, 4, 4, 2), kernel, null, (1, 1), (1, 1), true, (3, 3))); // pool larger than the output
        var wide = GradCheck.Random(3, 3, 3, 32, 64); // 13×13×32 → 64 at batch 8: Winograd's shape
        Assert.NotNull(Ops.Conv2DMaxPool(GradCheck.Random(4, 8, 13, 13, 32), wide, null, (1, 1), (1, 1), true, (2, 2))); // Winograd with the pool
        Assert.Null(Ops.Conv2DMaxPool(GradCheck.Random(4, 8, 13, 13, 32), wide, null, (1, 1), (1, 1), true, (3, 3))); // a 3×3 pool: Winograd, then the pool
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WinogradShapeMatchesTheUnfusedChain(bool inputGradient)
    {
        // 13×13×32 → 64 at batch 8 (288 tiles): the fused op runs Winograd with the pool in its output transform.
        var fused = Run(inputGradient, 13, 13, 32, 64, 2, fuse: true, batch: 8);
        var plain = Run(inputGradient, 13, 13, 32, 64, 2, fuse: false, batch: 8);
        Assert.Equal(plain[0], fused[0]); // the pooled values: the same bits
        for (int i = 1; i < fused.Length; i++)
            for (int e = 0; e < fused[i].Length; e++)
                Assert.True(Math.Abs(fused[i][e] - plain[i][e]) <= 1e-3f + 1e-4f * Math.Abs(plain[i][e]),
                    $"gradient {i} element {e}: fused {fused[i][e]}, unfused {plain[i][e]}");
    }

    [Fact]
    public void SequentialTrainingStepRunsTheFusedOpAndMatchesTheLayersOneByOne()
    {
        Sequential Model()
        {
            var m = new Sequential([
                new Conv2D(8, 3, activation: Activation.Relu), new MaxPooling2D(), new Flatten(), new Dense(3)]);
            m.Build(new Shape(10, 10, 1));
            var init = new RandomGenerator(5);
            foreach (var p in m.Parameters) init.FillUniform(p.Value.Span, -0.5f, 0.5f);
            return m;
        }
        var x = GradCheck.Random(6, 4, 10, 10, 1);
        var fused = Model();
        var output = fused.Call(x, training: true);
        var flatten = output.GradFn!.Inputs[0].GradFn!.Inputs[0]; // Dense ← Flatten ← the pooled tensor
        Assert.Equal("Conv2D+Relu+MaxPool2D", flatten.GradFn!.Name);
        Ops.Sum(Ops.Multiply(output, output)).Backward();

        var plain = Model();
        var layers = plain.Layers;
        var y = x;
        foreach (var layer in layers) y = layer.Call(y, training: true);
        Assert.Equal(y.ToArray(), output.ToArray());
        Ops.Sum(Ops.Multiply(y, y)).Backward();
        var fusedParameters = fused.Parameters.ToList();
        var plainParameters = plain.Parameters.ToList();
        for (int i = 0; i < fusedParameters.Count; i++)
        {
            var a = fusedParameters[i].Value.Grad!.ToArray();
            var b = plainParameters[i].Value.Grad!.ToArray();
            for (int e = 0; e < a.Length; e++)
                Assert.True(Math.Abs(a[e] - b[e]) <= 1e-4f + 1e-4f * Math.Abs(b[e]), $"parameter {i} element {e}: fused {a[e]}, layer by layer {b[e]}");
        }
    }

    /// <summary>The pooled output, then the gradients of the kernel, the bias and (when asked) the input.</summary>
    private static float[][] Run(bool inputGradient, int h, int w, int cin, int cout, int pool, bool fuse, int batch = 3)
    {
        var x = GradCheck.Random(11, batch, h, w, cin);
        var kernel = GradCheck.Random(12, 3, 3, cin, cout);
        var bias = GradCheck.Random(13, cout);
        kernel.RequiresGrad = bias.RequiresGrad = true;
        if (inputGradient) x.RequiresGrad = true;
        var input = inputGradient ? Ops.Multiply(x, One) : x;
        var y = fuse
            ? Ops.Conv2DMaxPool(input, kernel, bias, (1, 1), (1, 1), relu: true, (pool, pool))!
            : Ops.MaxPool2D(Ops.Conv2D(input, kernel, bias, (1, 1), false, relu: true), (pool, pool), (pool, pool), false);
        var weights = Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(14));
        Ops.Sum(Ops.Multiply(y, weights)).Backward();
        return inputGradient
            ? [y.ToArray(), kernel.Grad!.ToArray(), bias.Grad!.ToArray(), x.Grad!.ToArray()]
            : [y.ToArray(), kernel.Grad!.ToArray(), bias.Grad!.ToArray()];
    }
}
