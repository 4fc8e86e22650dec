using DeepSharp.Autograd;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Autograd;

/// <summary>
/// Self-attention on Q | K | V packed in one tensor (<see cref="Ops.PackedAttention"/>): finite
/// differences, the bits of <see cref="Ops.Attention"/> on the three slices forward and backward; and a
/// decoder block, whose attention writes its fresh Q, K, V gradients, giving the same bits on 1–3 threads.
/// </summary>
public class PackedAttentionTests
{
    private static readonly Tensor One = Tensor.Scalar(1f);

    [Fact]
    public void FiniteDifferencesCausal() =>
        // qkv an intermediate (as a projection's output): backward writes its fresh gradient.
        Check(t => Ops.PackedAttention(Ops.Multiply(t[0], One), heads: 2, keyDim: 3, valueDim: 2, causal: true), [Random(1, 2, 4, 2 * (2 * 3 + 2))]);

    [Fact]
    public void FiniteDifferencesWithMaskAndDropout()
    {
        // Batch 1's query 0 sees no key.
        var mask = Tensor.FromArray(new float[] { 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1 }, 2, 3, 3);
        Check(t => Ops.PackedAttention(t[0], 1, 4, 3, mask, dropoutRate: 0.25f, generator: new RandomGenerator(3), scale: 0.7f),
            [Random(2, 2, 3, 4 + 4 + 3)]);
    }

    [Fact]
    public void FiniteDifferencesHeadsOfSixteen() =>
        // Head sizes that AVX-512 CPUs run by AttentionSmallHeads, reading the packed rows in place.
        Check(t => Ops.PackedAttention(t[0], 2, 16, 16, causal: true), [Random(3, 1, 5, 2 * 48)], maxElementsPerInput: 60);

    [Theory]
    [InlineData(2, 4, 2, 3, 2, true)]
    [InlineData(3, 64, 4, 32, 32, true)]
    [InlineData(2, 17, 3, 16, 32, false)]
    [InlineData(1, 9, 2, 5, 7, true)]
    public void SameBitsAsAttentionOnTheSlices(int batch, int t, int heads, int dk, int dv, bool causal)
    {
        int width = heads * (2 * dk + dv);
        var x = Random(11, batch, t, width);
        var w = Tensor.RandomNormal(new Shape(batch, t, heads, dv), generator: new RandomGenerator(12));

        x.RequiresGrad = true;
        // Through ×1 the packed op's input is an intermediate, whose fresh gradient the kernel writes.
        var packed = Ops.PackedAttention(Ops.Multiply(x, One), heads, dk, dv, causal: causal);
        Ops.Sum(Ops.Multiply(packed, w)).Backward();
        var packedGrad = x.Grad!.ToArray();
        var packedOut = packed.ToArray();

        x.Grad = null;
        var q = Ops.Reshape(Ops.Slice(x, 2, 0, heads * dk), batch, t, heads, dk);
        var k = Ops.Reshape(Ops.Slice(x, 2, heads * dk, heads * dk), batch, t, heads, dk);
        var v = Ops.Reshape(Ops.Slice(x, 2, 2 * heads * dk, heads * dv), batch, t, heads, dv);
        var plain = Ops.Attention(q, k, v, causal: causal);
        Ops.Sum(Ops.Multiply(plain, w)).Backward();
        Assert.Equal(plain.ToArray(), packedOut);
        Assert.Equal(x.Grad!.ToArray(), packedGrad);
    }

    [Fact]
    public void ScoresAreThoseOfAttention()
    {
        var x = Random(21, 2, 6, 2 * (2 * 4 + 3));
        var (output, scores) = Ops.PackedAttentionWithScores(x, 2, 4, 3, causal: true);
        var q = Ops.Reshape(Ops.Slice(x, 2, 0, 8), 2, 6, 2, 4);
        var k = Ops.Reshape(Ops.Slice(x, 2, 8, 8), 2, 6, 2, 4);
        var v = Ops.Reshape(Ops.Slice(x, 2, 16, 6), 2, 6, 2, 3);
        var (o, s) = Ops.AttentionWithScores(q, k, v, causal: true);
        Assert.Equal(new Shape(2, 2, 6, 6), scores.Shape);
        Assert.Equal(s.ToArray(), scores.ToArray());
        Assert.Equal(o.ToArray(), output.ToArray());
    }

    [Fact]
    public void BadShapesAreNamed()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.PackedAttention(Random(1, 2, 3, 15), 2, 3, 2));
        Assert.Contains("(2, 3, 15)", e.Message);
        Assert.Contains("(B, T, 16)", e.Message);
        var m = Assert.Throws<ShapeMismatchException>(() => Ops.PackedAttention(Random(1, 2, 3, 16), 2, 3, 2, Tensor.Ones(2, 3, 4)));
        Assert.Contains("(2, 3, 4)", m.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.PackedAttention(Random(1, 2, 3, 16), 0, 3, 2));
    }

    [Fact]
    public void DecoderBlockSameBitsOnEveryThreadCount()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            var block = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 64);
            var x = Random(41, 3, 32, 32);
            DeepSharp.Threads.Count = 1;
            var (one, oneGrads) = OutputAndGradients(block, x);
            foreach (int threads in new[] { 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                var (many, manyGrads) = OutputAndGradients(block, x);
                Assert.Equal(one, many);
                for (int i = 0; i < oneGrads.Length; i++) Assert.Equal(oneGrads[i], manyGrads[i]);
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    private static (float[] Output, float[][] Grads) OutputAndGradients(TransformerDecoderBlock block, Tensor x)
    {
        var y = block.Call(x);
        return Backward(block, y);
    }

    private static (float[] Output, float[][] Grads) Backward(DeepSharp.Nn.Layer layer, Tensor y)
    {
        foreach (var p in layer.Parameters) p.Value.Grad = null;
        var w = Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(5));
        Ops.Sum(Ops.Multiply(y, w)).Backward();
        return (y.ToArray(), layer.Parameters.Select(p => p.Value.Grad!.ToArray()).ToArray());
    }
}
