using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

public class MultiHeadAttentionTests
{
    // Keras's count: query (4·2·3 + 2·3) + key (5·2·3 + 2·3) + value (5·2·3 + 2·3) + output (2·3·4 + 4).
    [Fact]
    public void CrossAttentionHarness() =>
        MultiInputHarness.Run(() => new MultiHeadAttention(2, 3), [[3, 4], [5, 5]], [3, 4], 30 + 36 + 36 + 28);

    [Fact]
    public void SeparateKeyValueDimAndOutputShape() =>
        // key 6 features, value 5: query 4·2·3+6, key 6·2·3+6, value 5·2·2+4, output 2·2·7+7.
        MultiInputHarness.Run(() => new MultiHeadAttention(2, 3, valueDim: 2, outputShape: 7), [[3, 4], [5, 5], [5, 6]], [3, 7], 30 + 42 + 24 + 35);

    [Fact]
    public void WithoutBias() =>
        MultiInputHarness.Run(() => new MultiHeadAttention(3, 2, useBias: false), [[2, 4], [3, 4]], [2, 4], 24 + 24 + 24 + 24);

    [Fact]
    public void SelfAttentionOnOneInput() => LayerHarness.Run(() => new MultiHeadAttention(2, 2), [3, 4], [3, 4], 4 * (4 * 4 + 4));

    [Fact]
    public void WeightsHaveKerasShapesAndNames()
    {
        var mha = new MultiHeadAttention(2, 3, valueDim: 4, outputShape: 6, name: "mha");
        mha.Build(new Shape(7, 5), new Shape(9, 8));
        Assert.Equal(
            [
                ("mha/query/kernel", new Shape(5, 2, 3)), ("mha/query/bias", new Shape(2, 3)),
                ("mha/key/kernel", new Shape(8, 2, 3)), ("mha/key/bias", new Shape(2, 3)),
                ("mha/value/kernel", new Shape(8, 2, 4)), ("mha/value/bias", new Shape(2, 4)),
                ("mha/attention_output/kernel", new Shape(2, 4, 6)), ("mha/attention_output/bias", new Shape(6)),
            ],
            mha.Parameters.Select(p => (p.Path, p.Shape)));
    }

    /// <summary>The layer against the formula computed from its weights in double, with a mask and a causal mask.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AgreesWithAReferenceFromItsWeights(bool causal)
    {
        RandomGenerator.SetGlobalSeed(5);
        var mha = new MultiHeadAttention(2, 2, valueDim: 3, outputShape: 4);
        var query = GradCheck.Random(1, 2, 3, 3);
        var value = GradCheck.Random(2, 2, 3, 5);
        var key = GradCheck.Random(3, 2, 3, 2);
        var mask = Tensor.FromArray(new float[] { 1, 1, 0, 0, 1, 1, 1, 0, 1, /* batch 1 */ 0, 0, 0, 1, 1, 1, 1, 1, 1 }, 2, 3, 3);
        mha.Build(new Shape(3, 3), new Shape(3, 5), new Shape(3, 2));
        var rng = new RandomGenerator(9);
        foreach (var p in mha.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f); // non-zero biases too
        var (output, scores) = mha.CallWithScores(query, value, key, mask, useCausalMask: causal);

        double[,,] W(string name, int a, int b, int c) => To3(mha.Parameters.Single(p => p.Name == name).Value, a, b, c);
        var wq = W("query/kernel", 3, 2, 2);
        var wk = W("key/kernel", 2, 2, 2);
        var wv = W("value/kernel", 5, 2, 3);
        var wo = W("attention_output/kernel", 2, 3, 4);
        float[] B(string name) => mha.Parameters.Single(p => p.Name == name).Value.ToArray();
        var (bq, bk, bv, bo) = (B("query/bias"), B("key/bias"), B("value/bias"), B("attention_output/bias"));
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
            {
                var o = new double[4];
                for (int h = 0; h < 2; h++)
                {
                    var p = new double[3];
                    double max = double.NegativeInfinity, sum = 0;
                    for (int j = 0; j < 3; j++)
                    {
                        bool visible = mask[b, i, j] != 0 && (!causal || j <= i);
                        if (!visible) { p[j] = double.NegativeInfinity; continue; }
                        double s = 0;
                        for (int d = 0; d < 2; d++)
                        {
                            double q = bq[h * 2 + d], k = bk[h * 2 + d];
                            for (int f = 0; f < 3; f++) q += query[b, i, f] * wq[f, h, d];
                            for (int f = 0; f < 2; f++) k += key[b, j, f] * wk[f, h, d];
                            s += q * k;
                        }
                        p[j] = s / Math.Sqrt(2);
                        max = Math.Max(max, p[j]);
                    }
                    for (int j = 0; j < 3; j++) sum += p[j] = double.IsNegativeInfinity(p[j]) ? 0 : Math.Exp(p[j] - max);
                    for (int j = 0; j < 3; j++)
                    {
                        p[j] = sum > 0 ? p[j] / sum : 0;
                        Assert.Equal(p[j], scores[b, h, i, j], 5);
                    }
                    for (int e = 0; e < 3; e++)
                    {
                        double attended = 0;
                        for (int j = 0; j < 3; j++)
                        {
                            double v = bv[h * 3 + e];
                            for (int f = 0; f < 5; f++) v += value[b, j, f] * wv[f, h, e];
                            attended += p[j] * v;
                        }
                        for (int c = 0; c < 4; c++) o[c] += attended * wo[h, e, c];
                    }
                }
                for (int c = 0; c < 4; c++) Assert.Equal(o[c] + bo[c], output[b, i, c], 4);
            }
    }

    [Fact]
    public void CausalMaskIgnoresTheFuture()
    {
        RandomGenerator.SetGlobalSeed(3);
        var mha = new MultiHeadAttention(2, 4);
        var x = GradCheck.Random(1, 2, 6, 8);
        var before = mha.Call(x, x, useCausalMask: true).ToArray();
        var changed = x.Clone();
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < 8; f++) changed.Span[(b * 6 + 4) * 8 + f] += 5f; // position 4 of each sequence
        var after = mha.Call(changed, changed, useCausalMask: true).ToArray();
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 6; t++)
                for (int f = 0; f < 8; f++)
                {
                    int at = (b * 6 + t) * 8 + f;
                    if (t < 4) Assert.Equal(before[at], after[at]);
                    else if (f == 0) Assert.NotEqual(before[at], after[at]);
                }
    }

    [Fact]
    public void ScoresSumToOnePerQuery()
    {
        var mha = new MultiHeadAttention(3, 2);
        var (output, scores) = mha.CallWithScores(GradCheck.Random(1, 2, 4, 5), GradCheck.Random(2, 2, 6, 5));
        Assert.Equal(new Shape(2, 4, 5), output.Shape);
        Assert.Equal(new Shape(2, 3, 4, 6), scores.Shape);
        var s = scores.Span;
        for (int row = 0; row < 2 * 3 * 4; row++)
        {
            double sum = 0;
            for (int j = 0; j < 6; j++) sum += s[row * 6 + j];
            Assert.Equal(1.0, sum, 5);
        }
    }

    [Fact]
    public void DropoutActsOnlyWhileTrainingAndRepeatsWithASeed()
    {
        Tensor Run(bool training)
        {
            RandomGenerator.SetGlobalSeed(4);
            var layer = new MultiHeadAttention(2, 3, dropout: 0.5f, seed: 11);
            var x = GradCheck.Random(1, 2, 5, 6);
            return layer.Call(x, x, training: training);
        }
        Assert.Equal(Run(false).ToArray(), Run(false).ToArray());
        Assert.Equal(Run(true).ToArray(), Run(true).ToArray());
        Assert.NotEqual(Run(false).ToArray(), Run(true).ToArray());
        var config = new MultiHeadAttention(2, 3, dropout: 0.5f, seed: 11).GetConfig();
        Assert.Equal(11L, (long?)config["seed"]);
    }

    [Fact]
    public void TrainingWithDropoutPassesAGradientCheck()
    {
        RandomGenerator.SetGlobalSeed(8);
        var q = GradCheck.Random(1, 2, 3, 4);
        var v = GradCheck.Random(2, 2, 4, 4);
        // A fresh layer copy with the same seed draws the same dropout masks on every evaluation.
        var weights = new MultiHeadAttention(2, 2, dropout: 0.3f, seed: 2);
        weights.Build(new Shape(3, 4), new Shape(4, 4));
        GradCheck.Check(t =>
        {
            var layer = new MultiHeadAttention(2, 2, dropout: 0.3f, seed: 2);
            layer.Build(new Shape(3, 4), new Shape(4, 4));
            for (int i = 0; i < layer.Parameters.Count; i++) weights.Parameters[i].Value.Span.CopyTo(layer.Parameters[i].Value.Span);
            return layer.Call(t[0], t[1], training: true);
        }, [q, v], epsilon: 1e-3f);
    }

    [Fact]
    public void BadInputsNameTheLayerAndShapes()
    {
        var mha = new MultiHeadAttention(2, 2, name: "attn");
        var q = GradCheck.Random(1, 2, 3, 4);
        var e = Assert.Throws<ShapeMismatchException>(() => mha.Call(q, GradCheck.Random(2, 2, 5, 4), GradCheck.Random(3, 2, 6, 4)));
        Assert.Contains("'attn'", e.Message);
        Assert.Contains("(None, 6, 4)", e.Message);
        var m = Assert.Throws<ShapeMismatchException>(() => mha.Call(q, q, attentionMask: Tensor.Ones(2, 3)));
        Assert.Contains("'attn'", m.Message);
        Assert.Contains("(2, 3, 3)", m.Message);
        var f = Assert.Throws<ShapeMismatchException>(() => mha.Call(q, GradCheck.Random(2, 2, 3, 7)));
        Assert.Contains("features", f.Message);
        var r = Assert.Throws<ShapeMismatchException>(() => new MultiHeadAttention(1, 2, name: "flat").Call(GradCheck.Random(1, 2, 4), GradCheck.Random(2, 2, 4)));
        Assert.Contains("'flat'", r.Message);
        Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 2).Call([q, q, q, q]));
        var self = new MultiHeadAttention(2, 2);
        Assert.Equal(self.Call(q, q).ToArray(), self.Call([q]).ToArray()); // one input: self-attention
    }

    private static double[,,] To3(Tensor t, int a, int b, int c)
    {
        var r = new double[a, b, c];
        var s = t.Span;
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                for (int k = 0; k < c; k++) r[i, j, k] = s[(i * b + j) * c + k];
        return r;
    }
}
