using DeepSharp.Autograd;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>A finite-difference gradient check for every differentiable op.</summary>
public class OpGradientTests
{
    [Fact] public void MatMul() => Check(t => Ops.MatMul(t[0], t[1]), [Random(1, 3, 5), Random(2, 5, 4)]);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear(bool bias) => Check(
        t => Ops.Linear(t[0], t[1], bias ? t[2] : null), bias ? [Random(1, 4, 7), Random(2, 7, 3), Random(3, 3)] : [Random(1, 4, 7), Random(2, 7, 3)]);

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 1 }, new[] { 2, 3 })]
    public void BroadcastingArithmetic(int[] a, int[] b)
    {
        Check(t => Ops.Add(t[0], t[1]), [Random(1, a), Random(2, b)]);
        Check(t => Ops.Subtract(t[0], t[1]), [Random(1, a), Random(2, b)]);
        Check(t => Ops.Multiply(t[0], t[1]), [Random(1, a), Random(2, b)]);
        var denominator = Ops.Affine(Random(2, b), 0.5f, 2f); // keep away from 0
        denominator.GradFn = null;
        Check(t => Ops.Divide(t[0], t[1]), [Random(1, a), denominator]);
    }

    [Fact] public void Affine() => Check(t => Ops.Affine(t[0], -1.5f, 0.25f), [Random(1, 5, 3)]);
    [Fact] public void Relu() => Check(t => Ops.Relu(t[0]), [Random(1, 4, 9)]);
    [Fact] public void Sigmoid() => Check(t => Ops.Sigmoid(t[0]), [Random(1, 4, 9)]);
    [Fact] public void Tanh() => Check(t => Ops.Tanh(t[0]), [Random(1, 4, 9)]);
    [Fact] public void Softmax() => Check(t => Ops.Softmax(t[0]), [Random(1, 3, 7)]);
    [Fact] public void LogSoftmax() => Check(t => Ops.LogSoftmax(t[0]), [Random(1, 3, 7)]);
    [Fact] public void Reshape() => Check(t => Ops.Reshape(Ops.Tanh(t[0]), 6, -1), [Random(1, 2, 3, 4)]);
    [Fact] public void Sum() => Check(t => Ops.Sum(t[0]), [Random(1, 3, 5)]);
    [Fact] public void Mean() => Check(t => Ops.Mean(t[0]), [Random(1, 3, 5)]);
    [Fact] public void SumLastAxis() => Check(t => Ops.SumLastAxis(t[0]), [Random(1, 2, 3, 5)]);

    [Fact]
    public void Log()
    {
        var x = Tensor.RandomUniform(new Shape(4, 5), 0.5f, 2f, new RandomGenerator(3));
        Check(t => Ops.Log(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void Clip()
    {
        // Values sit at least 0.05 from the bounds, so the finite difference never crosses one.
        var x = Tensor.FromArray([-0.9f, -0.45f, -0.2f, 0.1f, 0.35f, 0.6f, 0.95f, -0.7f], 2, 4);
        Check(t => Ops.Clip(t[0], -0.5f, 0.5f), [x]);
    }

    [Theory]
    [InlineData(1, 6, 6, 1, 4, 3, 3, 1, false, 1)]
    [InlineData(2, 5, 7, 3, 5, 3, 2, 1, true, 1)]
    [InlineData(2, 7, 6, 2, 3, 3, 3, 2, true, 1)]
    [InlineData(1, 8, 8, 2, 3, 3, 3, 2, false, 1)]
    [InlineData(1, 7, 7, 2, 2, 3, 3, 1, false, 2)]
    // ≥ 16 input channels: the strided input gradient by phases, the kernel gradient over padded image groups; 1×1 by GEMM.
    [InlineData(2, 7, 6, 16, 3, 3, 3, 2, true, 1)]
    [InlineData(3, 5, 6, 17, 2, 3, 2, 2, false, 1)]
    [InlineData(1, 8, 7, 16, 2, 3, 3, 3, true, 1)]
    [InlineData(2, 3, 4, 16, 3, 1, 1, 1, true, 1)]
    public void Conv2D(int n, int h, int w, int cin, int cout, int kh, int kw, int stride, bool same, int dilation)
    {
        Check(t => Ops.Conv2D(t[0], t[1], t[2], (stride, stride), same, (dilation, dilation)),
            [Random(1, n, h, w, cin), Random(2, kh, kw, cin, cout), Random(3, cout)], maxElementsPerInput: 30);
    }

    [Theory]
    [InlineData(4, 4, 2, 2, false)]
    [InlineData(5, 7, 2, 2, false)]
    [InlineData(5, 5, 3, 2, true)]
    [InlineData(6, 6, 3, 1, false)]
    public void MaxPool2D(int h, int w, int pool, int stride, bool same) =>
        Check(t => Ops.MaxPool2D(t[0], (pool, pool), (stride, stride), same), [Distinct(1, 2, h, w, 3)]);

    [Fact]
    public void MaxPool2DOfAnIntermediateUsedTwice() =>
        // The first pool's rule writes the fresh gradient of tanh(x); the second accumulates into it.
        Check(t =>
        {
            var a = Ops.Tanh(t[0]);
            return Ops.Add(Ops.MaxPool2D(a, (2, 2), (2, 2), false), Ops.Multiply(Ops.MaxPool2D(a, (2, 2), (2, 2), false), Tensor.Scalar(0.5f)));
        }, [Distinct(4, 2, 4, 6, 3)]);

    [Fact]
    public void ResidualAddsAndGeluOfIntermediatesWriteThenAccumulate() =>
        // tanh(x) feeds an Add (a fresh gradient, written) and a GELU and a Subtract (accumulated).
        Check(t =>
        {
            var a = Ops.Tanh(t[0]);
            var residual = Ops.Add(a, Ops.Gelu(Ops.Multiply(a, t[1])));
            return Ops.Subtract(residual, Ops.Gelu(a));
        }, [Random(11, 3, 5), Random(12, 3, 5)]);

    [Theory]
    [InlineData(1, 6, 6, 1, 4, 3, false)]
    [InlineData(2, 5, 7, 3, 5, 2, true)]
    public void Conv2DWithFusedRelu(int n, int h, int w, int cin, int cout, int k, bool same) =>
        Check(t => Ops.Conv2D(Ops.Tanh(t[0]), t[1], t[2], (1, 1), same, relu: true),
            [Random(5, n, h, w, cin), Random(6, k, k, cin, cout), Random(7, cout)], maxElementsPerInput: 30);

    [Fact]
    public void Conv2DWithFusedReluEqualsReluOfConv2D()
    {
        var x = Random(8, 2, 7, 7, 3);
        var kernel = Random(9, 3, 3, 3, 8);
        var bias = Random(10, 8);
        Assert.Equal(Ops.Relu(Ops.Conv2D(x, kernel, bias, (1, 1), true)).ToArray(), Ops.Conv2D(x, kernel, bias, (1, 1), true, relu: true).ToArray());
    }

    /// <summary>Distinct values 0.05 apart in random order, so a finite difference never changes a window's maximum.</summary>
    private static Tensor Distinct(int seed, params int[] shape)
    {
        var t = Tensor.Zeros(new Shape(shape));
        var order = Enumerable.Range(0, t.Size).ToArray();
        new RandomGenerator(seed).Shuffle(order);
        for (int i = 0; i < order.Length; i++) t.Span[i] = order[i] * 0.05f;
        return t;
    }

    [Fact]
    public void DropoutWithAFixedMask() =>
        Check(t => Ops.Dropout(t[0], 0.4f, new RandomGenerator(11)), [Random(1, 6, 5)]);

    [Fact]
    public void SoftmaxCrossEntropy()
    {
        var targets = Ops.Softmax(Random(9, 4, 6));
        targets.GradFn = null;
        targets.RequiresGrad = false;
        Check(t => Ops.SoftmaxCrossEntropy(t[0], targets), [Random(1, 4, 6)]);
    }

    [Fact]
    public void SparseSoftmaxCrossEntropy()
    {
        var labels = Tensor.FromArray(new[] { 0, 5, 2, 2 }, 4);
        Check(t => Ops.SparseSoftmaxCrossEntropy(t[0], labels), [Random(1, 4, 6)]);
    }

    // Values stay 0.05 or more from the kinks of Abs (0) and Huber (±δ).
    [Fact] public void Abs() => Check(t => Ops.Abs(t[0]), [Tensor.FromArray([-0.9f, -0.4f, 0.3f, 0.7f], 2, 2)]);
    [Fact] public void Huber() => Check(t => Ops.Huber(t[0], 0.5f), [Tensor.FromArray([-0.9f, -0.4f, 0.3f, 0.7f], 2, 2)]);
    [Fact] public void SigmoidCrossEntropy() => Check(t => Ops.SigmoidCrossEntropy(t[0], Tensor.FromArray([0f, 1f, 0.3f, 1f], 2, 2)), [Random(3, 2, 2)]);
    [Fact] public void L2NormalizeLastAxis() => Check(t => Ops.L2NormalizeLastAxis(t[0]), [Random(4, 3, 4)]);
}
