using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>Finite-difference gradient checks for the ops behind the Keras-grade layers.</summary>
public class LayerOpGradientTests
{
    [Fact] public void LeakyRelu() => Check(t => Ops.LeakyRelu(t[0], 0.2f), [Random(1, 4, 9)]);
    [Fact] public void Elu() => Check(t => Ops.Elu(t[0], 1.3f), [Random(1, 4, 9)]);
    [Fact] public void Selu() => Check(t => Ops.Selu(t[0]), [Random(1, 4, 9)]);
    [Fact] public void Gelu() => Check(t => Ops.Gelu(Ops.Affine(t[0], 3f)), [Random(1, 4, 9)], epsilon: 1e-3f);
    [Fact] public void Swish() => Check(t => Ops.Swish(Ops.Affine(t[0], 3f)), [Random(1, 4, 9)], epsilon: 1e-3f);

    [Theory]
    [InlineData(4, 4, 2, 2, false)]
    [InlineData(5, 7, 2, 2, false)]
    [InlineData(5, 5, 3, 2, true)]
    [InlineData(6, 5, 2, 1, true)]
    public void AvgPool2D(int h, int w, int pool, int stride, bool same) =>
        Check(t => Ops.AvgPool2D(t[0], (pool, pool), (stride, stride), same), [Random(1, 2, h, w, 3)]);

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void BatchNormWithBatchStatistics(bool withGamma, bool withBeta)
    {
        var x = Random(1, 6, 2, 4);
        var inputs = new List<Tensor> { x };
        if (withGamma) inputs.Add(Random(2, 4));
        if (withBeta) inputs.Add(Random(3, 4));
        Check(t =>
        {
            var (mean, variance) = Ops.Moments(t[0]);
            return Ops.BatchNorm(t[0], withGamma ? t[1] : null, withBeta ? t[^1] : null, mean, variance, 1e-3f, batchStatistics: true);
        }, [.. inputs], epsilon: 1e-3f);
    }

    [Fact]
    public void BatchNormWithMovingStatistics()
    {
        var mean = Random(4, 5);
        var variance = Tensor.RandomUniform(new Shape(5), 0.5f, 2f, new RandomGenerator(5));
        Check(t => Ops.BatchNorm(t[0], t[1], t[2], mean, variance, 1e-3f, batchStatistics: false), [Random(1, 3, 5), Random(2, 5), Random(3, 5)]);
    }

    [Fact] public void LayerNorm() => Check(t => Ops.LayerNorm(t[0], t[1], t[2], 1e-3f), [Random(1, 3, 2, 6), Random(2, 6), Random(3, 6)], epsilon: 1e-3f);
    [Fact] public void RmsNorm() => Check(t => Ops.RmsNorm(t[0], t[1], 1e-3f), [Random(1, 3, 2, 6), Random(2, 6)], epsilon: 1e-3f);
    [Fact] public void RmsNormWithoutScale() => Check(t => Ops.RmsNorm(t[0], null, 0f), [Random(1, 4, 7)], epsilon: 1e-3f);
    [Fact]
    public void RmsNormOfAnIntermediateUsedTwice()
    {
        // A fresh gradient buffer for h, written by one rule and added to by the other.
        static Tensor F(Tensor[] t)
        {
            var h = Ops.Affine(t[0], 3f);
            return Ops.Add(Ops.RmsNorm(h, t[1], 1e-6f), h);
        }
        Check(F, [Random(1, 5, 17), Random(2, 17)], epsilon: 1e-3f);
    }

    [Fact] public void LayerNormWithoutAffine() => Check(t => Ops.LayerNorm(t[0], null, null, 1e-3f), [Random(1, 4, 7)], epsilon: 1e-3f);

    [Fact]
    public void EmbeddingWithRepeatedIndices()
    {
        var ids = Tensor.FromArray(new[] { 0, 3, 3, 1, 0, 2 }, 2, 3);
        Check(t => Ops.Embedding(t[0], ids), [Random(1, 4, 5)]);
    }

    [Fact]
    public void Concatenate() =>
        Check(t => Ops.Concatenate([t[0], t[1], t[2]], 1), [Random(1, 2, 3, 2), Random(2, 2, 1, 2), Random(3, 2, 2, 2)]);

    [Theory]
    [InlineData(FillMode.Reflect)]
    [InlineData(FillMode.Constant)]
    public void ImageTransformWithRespectToTheImage(FillMode mode)
    {
        var transforms = Tensor.FromArray([0.9f, -0.3f, 0.7f, 0.35f, 1.1f, -0.6f, -1f, 0f, 4f, 0f, 1f, 0f], 2, 6);
        Check(t => Ops.ImageTransform(t[0], transforms, mode.ToKernel(), 0.5f), [Random(1, 2, 4, 5, 2)]);
    }
}
