using DeepSharp.Autograd;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// Max-pooling of a ReLU's output writes the ReLU's mask into the gradient as it scatters, and the
/// ReLU (Relu, or Conv2D's fused ReLU) then skips its own pass: finite-difference checks of the
/// fused chains, and bit-for-bit equality with the same chain where the pool reads through an
/// identity op (so that nothing is fused), also when the ReLU's output has a second consumer that
/// adds its share before or after the pool's.
/// </summary>
public class PoolReluFusionTests
{
    private static readonly Tensor One = Tensor.Scalar(1f);

    [Theory]
    [InlineData(2, 2, false)]
    [InlineData(3, 2, true)]
    [InlineData(3, 1, false)]
    public void MaxPoolOfRelu(int pool, int stride, bool same) =>
        // x·1 makes the ReLU's input an intermediate, so that the ReLU takes the pool's gradient over.
        Check(t => Ops.MaxPool2D(Ops.Relu(Ops.Multiply(t[0], One)), (pool, pool), (stride, stride), same), [Shifted(1, 2, 7, 6, 3)]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MaxPoolOfConvWithFusedRelu(bool inputGradient)
    {
        // Small on purpose: three 2×2 windows, so that a step of ε = 1e-3 is unlikely to move a
        // window's maximum or cross zero (the bit-for-bit tests below cover the larger shapes).
        var x = GradCheck.Random(2, 1, 4, 4, 2);
        Tensor[] weights = [GradCheck.Random(3, 3, 3, 2, 3), GradCheck.Random(4, 3)];
        if (inputGradient)
            // x·1: an intermediate input, so that the convolution's input-gradient path runs.
            Check(t => Ops.MaxPool2D(Ops.Conv2D(Ops.Multiply(t[0], One), t[1], t[2], (1, 1), false, relu: true), (2, 2), (2, 2), false),
                [x, .. weights], epsilon: 1e-3f, maxElementsPerInput: 60);
        else
            Check(t => Ops.MaxPool2D(Ops.Conv2D(x, t[0], t[1], (1, 1), false, relu: true), (2, 2), (2, 2), false), weights,
                epsilon: 1e-3f, maxElementsPerInput: 60);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, true, true)]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(true, true, true)]
    public void ConvReluPoolGradientsEqualTheUnfusedChain(bool inputGradient, bool secondConsumer, bool secondFirst)
    {
        var fused = Gradients(inputGradient, secondConsumer, secondFirst, fuse: true);
        var plain = Gradients(inputGradient, secondConsumer, secondFirst, fuse: false);
        for (int i = 0; i < fused.Length; i++) Assert.Equal(plain[i], fused[i]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ReluPoolGradientsEqualTheUnfusedChain(bool secondConsumer, bool secondFirst)
    {
        float[] Run(bool fuse)
        {
            var x = GradCheck.Random(5, 3, 9, 8, 4);
            x.RequiresGrad = true;
            var r = Ops.Relu(Ops.Multiply(x, One));
            var pooled = Ops.MaxPool2D(fuse ? r : Ops.Multiply(r, One), (2, 2), (2, 2), false);
            Loss(pooled, secondConsumer ? r : null, secondFirst).Backward();
            return x.Grad!.ToArray();
        }
        Assert.Equal(Run(fuse: false), Run(fuse: true));
    }

    private static float[][] Gradients(bool inputGradient, bool secondConsumer, bool secondFirst, bool fuse)
    {
        var x = GradCheck.Random(6, 4, 11, 11, 3);
        var kernel = GradCheck.Random(7, 3, 3, 3, 16);
        var bias = GradCheck.Random(8, 16);
        x.RequiresGrad = inputGradient;
        kernel.RequiresGrad = bias.RequiresGrad = true;
        // An intermediate input, as after a pool, so that the input-gradient path runs.
        var input = inputGradient ? Ops.Multiply(x, One) : x;
        var y = Ops.Conv2D(input, kernel, bias, (1, 1), false, relu: true);
        var pooled = Ops.MaxPool2D(fuse ? y : Ops.Multiply(y, One), (2, 2), (2, 2), false);
        Loss(pooled, secondConsumer ? y : null, secondFirst).Backward();
        return inputGradient ? [x.Grad!.ToArray(), kernel.Grad!.ToArray(), bias.Grad!.ToArray()] : [kernel.Grad!.ToArray(), bias.Grad!.ToArray()];
    }

    /// <summary>Σ pooled·w, plus Σ second·v when given (added first or last, which orders the backward rules).</summary>
    private static Tensor Loss(Tensor pooled, Tensor? second, bool secondFirst)
    {
        var a = Ops.Sum(Ops.Multiply(pooled, GradCheck.Random(9, pooled.Shape.ToArray())));
        if (second is null) return a;
        var b = Ops.Sum(Ops.Multiply(second, GradCheck.Random(10, second.Shape.ToArray())));
        return secondFirst ? Ops.Add(b, a) : Ops.Add(a, b);
    }

    /// <summary>Distinct values 0.05 apart around zero (none within 0.025 of it), so that a finite difference crosses no kink.</summary>
    private static Tensor Shifted(int seed, params int[] shape)
    {
        var t = Tensor.Zeros(new Shape(shape));
        var order = Enumerable.Range(0, t.Size).ToArray();
        new RandomGenerator(seed).Shuffle(order);
        for (int i = 0; i < order.Length; i++) t.Span[i] = order[i] * 0.05f - 1.025f;
        return t;
    }
}
