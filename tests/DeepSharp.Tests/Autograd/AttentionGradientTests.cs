using DeepSharp.Autograd;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>Finite-difference gradient checks of the fused attention op, with every kind of mask.</summary>
public class AttentionGradientTests
{
    [Fact]
    public void CrossAttention() =>
        Check(t => Ops.Attention(t[0], t[1], t[2]), [Random(1, 2, 3, 2, 4), Random(2, 2, 5, 2, 4), Random(3, 2, 5, 2, 3)]);

    [Fact]
    public void PaddingMaskWithAFullyMaskedRow()
    {
        var mask = PaddingMask(2, 3, 5, seed: 4);
        mask.Span.Slice(5, 5).Clear(); // query 1 of batch 0 sees nothing
        Check(t => Ops.Attention(t[0], t[1], t[2], mask), [Random(1, 2, 3, 2, 4), Random(2, 2, 5, 2, 4), Random(3, 2, 5, 2, 3)]);
    }

    [Fact]
    public void IntMask()
    {
        var mask = Tensor.FromArray(new[] { 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1 }, 2, 2, 3);
        Check(t => Ops.Attention(t[0], t[1], t[2], mask), [Random(1, 2, 2, 1, 3), Random(2, 2, 3, 1, 3), Random(3, 2, 3, 1, 2)]);
    }

    [Fact]
    public void CausalSelfAttentionOnOneTensor() =>
        // The same tensor as query, key and value: its gradient gathers all three paths.
        Check(t => Ops.Attention(t[0], t[0], t[0], causal: true), [Random(1, 2, 4, 3, 2)]);

    [Fact]
    public void ProjectedInputsWhoseFreshGradientsAreWritten()
    {
        // Q, K, V intermediates (as projections' outputs): backward writes their fresh gradients.
        var one = Tensor.Scalar(1f);
        Check(t => Ops.Attention(Ops.Multiply(t[0], one), Ops.Multiply(t[1], one), Ops.Multiply(t[2], one), causal: true),
            [Random(1, 3, 4, 2, 3), Random(2, 3, 4, 2, 3), Random(3, 3, 4, 2, 2)]);
    }

    [Fact]
    public void OneIntermediateAsQueryAndKey()
    {
        // Query and key one fresh intermediate: its buffer gets both gradients added into zeros.
        var one = Tensor.Scalar(1f);
        Check(t =>
        {
            var h = Ops.Multiply(t[0], one);
            return Ops.Attention(h, h, Ops.Multiply(t[1], one));
        }, [Random(4, 2, 3, 2, 3), Random(5, 2, 3, 2, 2)]);
    }

    [Fact]
    public void CausalHeadsOfSixteenFeatures() =>
        // Head sizes that AVX-512 CPUs run by AttentionSmallHeads (no mask or dropout, Dk and Dv multiples of 16).
        Check(t => Ops.Attention(t[0], t[0], t[0], causal: true), [Random(1, 1, 5, 2, 16)]);

    [Fact]
    public void CausalWithOffsetAndPadding()
    {
        var mask = PaddingMask(1, 2, 6, seed: 8);
        Check(t => Ops.Attention(t[0], t[1], t[2], mask, causal: true, causalOffset: 3),
            [Random(1, 1, 2, 2, 3), Random(2, 1, 6, 2, 3), Random(3, 1, 6, 2, 4)]);
    }

    [Fact]
    public void DropoutWithAFixedMask() =>
        // A fresh generator with the same seed draws the same mask on every evaluation.
        Check(t => Ops.Attention(t[0], t[1], t[2], dropoutRate: 0.3f, generator: new RandomGenerator(5), scale: 0.8f),
            [Random(1, 2, 3, 2, 4), Random(2, 2, 4, 2, 4), Random(3, 2, 4, 2, 3)]);

    [Fact]
    public void ScoresAreTheSoftmaxOfScaledDotProducts()
    {
        var q = Random(1, 1, 2, 1, 3);
        var k = Random(2, 1, 4, 1, 3);
        var v = Random(3, 1, 4, 1, 2);
        var mask = Tensor.FromArray(new float[] { 1, 1, 0, 1, 0, 0, 0, 0 }, 1, 2, 4);
        var (output, scores) = Ops.AttentionWithScores(q, k, v, mask);
        Assert.Equal(new Shape(1, 1, 2, 4), scores.Shape);
        float scale = 1f / MathF.Sqrt(3);
        double[] s = new double[4];
        double sum = 0;
        for (int j = 0; j < 4; j++)
        {
            double dot = 0;
            for (int d = 0; d < 3; d++) dot += q[0, 0, 0, d] * k[0, j, 0, d];
            s[j] = mask[0, 0, j] != 0 ? Math.Exp(dot * scale) : 0;
            sum += s[j];
        }
        for (int j = 0; j < 4; j++) Assert.Equal(s[j] / sum, scores[0, 0, 0, j], 5);
        // The second query sees nothing: zero scores and zero output, not NaN.
        for (int j = 0; j < 4; j++) Assert.Equal(0f, scores[0, 0, 1, j]);
        Assert.Equal(0f, output[0, 1, 0, 0]);
        Assert.Equal(0f, output[0, 1, 0, 1]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void BatchedMatMul(bool transposeA, bool transposeB)
    {
        int[] a = transposeA ? [3, 4, 2] : [3, 2, 4], b = transposeB ? [3, 5, 4] : [3, 4, 5];
        Check(t => Ops.BatchedMatMul(t[0], t[1], transposeA, transposeB), [Random(1, a), Random(2, b)]);
        Tensor ta = Random(1, a), tb = Random(2, b);
        var y = Ops.BatchedMatMul(ta, tb, transposeA, transposeB);
        Assert.Equal(new Shape(3, 2, 5), y.Shape);
        for (int i = 0; i < 3; i++)
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 5; c++)
                {
                    double sum = 0;
                    for (int p = 0; p < 4; p++)
                        sum += (transposeA ? ta[i, p, r] : ta[i, r, p]) * (transposeB ? tb[i, c, p] : tb[i, p, c]);
                    Assert.Equal(sum, y[i, r, c], 5);
                }
    }

    [Fact]
    public void MismatchedShapesNameThem()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Attention(Random(1, 2, 3, 2, 4), Random(2, 2, 5, 3, 4), Random(3, 2, 5, 2, 3)));
        Assert.Contains("(2, 5, 3, 4)", e.Message);
        var m = Assert.Throws<ShapeMismatchException>(() => Ops.Attention(Random(1, 2, 3, 2, 4), Random(2, 2, 5, 2, 4), Random(3, 2, 5, 2, 3), Tensor.Ones(2, 5, 3)));
        Assert.Contains("(2, 3, 5)", m.Message);
    }

    private static Tensor PaddingMask(int batch, int tq, int tk, int seed)
    {
        var mask = Tensor.RandomUniform(new Shape(batch, tq, tk), generator: new RandomGenerator(seed));
        var m = mask.Span;
        for (int i = 0; i < m.Length; i++) m[i] = m[i] > 0.3f ? 1f : 0f;
        return mask;
    }
}
