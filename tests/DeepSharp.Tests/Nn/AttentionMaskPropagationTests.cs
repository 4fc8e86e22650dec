using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Masks reaching attention layers as in Keras: eager calls with <c>mask=[query_mask, value_mask]</c>,
/// functional graphs where Embedding(maskZero) upstream of the query and value supplies them, the
/// output's mask being the query's, and gradients through the masked paths.
/// </summary>
public class AttentionMaskPropagationTests
{
    private const int Vocabulary = 11;

    /// <summary>Token rows (int32); 0 is padding.</summary>
    internal static Tensor Tokens(int[][] rows)
    {
        int time = rows[0].Length;
        var data = new int[rows.Length * time];
        for (int b = 0; b < rows.Length; b++) rows[b].CopyTo(data, b * time);
        return Tensor.FromArray(data, rows.Length, time);
    }

    private static readonly int[][] Queries = [[3, 5, 0, 7, 0], [1, 2, 3, 4, 5], [9, 0, 0, 0, 0]];
    private static readonly int[][] Values = [[2, 0, 4, 0], [6, 6, 0, 1], [0, 8, 0, 0]];

    private static ScoredAttention Make(string type) => type == "Attention" ? new Attention(useScale: true) : new AdditiveAttention();

    /// <summary>Σ x·mask / Σ mask over the steps, as GlobalAveragePooling1D with a mask (the output's mask is checked through it).</summary>
    private static float[] MaskedMean(Tensor x, Tensor mask)
    {
        int batch = x.Shape[0], steps = x.Shape[1], features = x.Shape[2];
        var result = new float[batch * features];
        for (int b = 0; b < batch; b++)
        {
            float kept = 0f;
            for (int t = 0; t < steps; t++) kept += mask[b, t];
            for (int f = 0; f < features; f++)
            {
                float sum = 0f;
                for (int t = 0; t < steps; t++) sum += x[b, t, f] * mask[b, t];
                result[b * features + f] = sum / kept;
            }
        }
        return result;
    }

    private static void AssertClose(float[] expected, float[] actual, string what, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what} [{i}]: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData("Attention")]
    [InlineData("AdditiveAttention")]
    public void EagerMaskListIsQueryAndValueMasks(string type)
    {
        var attention = Make(type);
        var q = GradCheck.Random(1, 3, 5, 4);
        var v = GradCheck.Random(2, 3, 4, 4);
        var queryMask = Tensor.FromArray([1f, 1f, 0f, 1f, 0f, 1f, 1f, 1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f], 3, 5);
        var valueMask = Tensor.FromArray([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0], 3, 4);
        var (y, mask) = attention.CallMasked([q, v], [queryMask, valueMask]);
        Assert.Equal(attention.Call(q, v, queryMask: queryMask, valueMask: valueMask).ToArray(), y.ToArray());
        Assert.Equal(queryMask.ToArray(), mask!.ToArray());
        Assert.NotEqual(attention.Call(q, v).ToArray(), y.ToArray());
        var (plain, none) = attention.CallMasked([q, v], [null, null]);
        Assert.Equal(attention.Call(q, v).ToArray(), plain.ToArray());
        Assert.Null(none);
        var e = Assert.Throws<ArgumentException>(() => attention.CallMasked([q, v], [queryMask]));
        Assert.Contains("1 masks for 2 inputs", e.Message);
    }

    [Theory]
    [InlineData("Attention", false)]
    [InlineData("Attention", true)]
    [InlineData("AdditiveAttention", false)]
    public void AFunctionalGraphHandsEmbeddingMasksToAttention(string type, bool causal)
    {
        RandomGenerator.SetGlobalSeed(3);
        var queryTokens = Model.Input([5], "query_tokens", DType.Int32);
        var valueTokens = Model.Input([5], "value_tokens", DType.Int32);
        var queryEmbedding = new Embedding(Vocabulary, 4, maskZero: true);
        var valueEmbedding = new Embedding(Vocabulary, 4, maskZero: true);
        var attention = Make(type);
        var attended = attention.Call(queryEmbedding.Call(queryTokens), valueEmbedding.Call(valueTokens), useCausalMask: causal);
        var model = new Functional([queryTokens, valueTokens], [attended, new GlobalAveragePooling1D().Call(attended)]);
        var values = Values.Select(r => r.Append(3).ToArray()).ToArray();
        Tensor qt = Tokens(Queries), vt = Tokens(values);
        var outputs = model.Call([qt, vt]);

        Tensor q = queryEmbedding.Call(qt), v = valueEmbedding.Call(vt);
        Tensor queryMask = queryEmbedding.ComputeMask(qt, null)!, valueMask = valueEmbedding.ComputeMask(vt, null)!;
        var expected = attention.Call(q, v, queryMask: queryMask, valueMask: valueMask, useCausalMask: causal);
        Assert.Equal(expected.ToArray(), outputs[0].ToArray());
        AssertClose(MaskedMean(expected, queryMask), outputs[1].ToArray(), "the output's mask is the query's");
        Assert.NotEqual(attention.Call(q, v, useCausalMask: causal).ToArray(), outputs[0].ToArray());
    }

    [Fact]
    public void ExplicitMaskKeywordsWinOverPropagatedOnes()
    {
        RandomGenerator.SetGlobalSeed(4);
        var tokens = Model.Input([5], dtype: DType.Int32);
        var explicitMask = Model.Input([5], "value_mask");
        var embedding = new Embedding(Vocabulary, 3, maskZero: true);
        var attention = new Attention();
        var x = embedding.Call(tokens);
        var model = new Functional([tokens, explicitMask], attention.Call(x, x, valueMask: explicitMask));
        var t = Tokens(Queries);
        var given = Tensor.FromArray([1f, 1f, 1f, 1f, 1f, 0f, 1f, 0f, 1f, 0f, 1f, 1f, 0f, 1f, 1f], 3, 5);
        var e = embedding.Call(t);
        var expected = attention.Call(e, e, queryMask: embedding.ComputeMask(t, null), valueMask: given);
        Assert.Equal(expected.ToArray(), model.Call([t, given])[0].ToArray());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MultiHeadAttentionCombinesPropagatedMasksWithItsAttentionMask(bool withAttentionMask, bool causal)
    {
        RandomGenerator.SetGlobalSeed(6);
        var queryTokens = Model.Input([5], dtype: DType.Int32);
        var valueTokens = Model.Input([4], dtype: DType.Int32);
        var attentionMask = Model.Input([5, 4], "attention_mask", DType.Int32);
        var queryEmbedding = new Embedding(Vocabulary, 6, maskZero: true);
        var valueEmbedding = new Embedding(Vocabulary, 5, maskZero: true);
        var mha = new MultiHeadAttention(2, keyDim: 3);
        var attended = mha.Call(queryEmbedding.Call(queryTokens), valueEmbedding.Call(valueTokens), attentionMask: withAttentionMask ? attentionMask : null, useCausalMask: causal);
        var inputs = withAttentionMask ? new[] { queryTokens, valueTokens, attentionMask } : [queryTokens, valueTokens];
        var model = new Functional(inputs, [attended, new GlobalAveragePooling1D().Call(attended)]);
        Tensor qt = Tokens(Queries), vt = Tokens(Values);
        var allowed = new int[3 * 5 * 4];
        var rng = new RandomGenerator(9);
        for (int i = 0; i < allowed.Length; i++) allowed[i] = rng.NextInt(4) == 0 ? 0 : 1;
        var given = Tensor.FromArray(allowed, 3, 5, 4);
        var outputs = model.Call(withAttentionMask ? [qt, vt, given] : [qt, vt]);

        Tensor q = queryEmbedding.Call(qt), v = valueEmbedding.Call(vt);
        Tensor queryMask = queryEmbedding.ComputeMask(qt, null)!, valueMask = valueEmbedding.ComputeMask(vt, null)!;
        var combined = new float[3 * 5 * 4];
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 4; j++)
                    combined[(b * 5 + i) * 4 + j] = queryMask[b, i] != 0f && valueMask[b, j] != 0f && (!withAttentionMask || allowed[(b * 5 + i) * 4 + j] != 0) ? 1f : 0f;
        var expected = mha.Call(q, v, attentionMask: Tensor.FromArray(combined, 3, 5, 4), useCausalMask: causal);
        AssertClose(expected.ToArray(), outputs[0].ToArray(), "output");
        AssertClose(MaskedMean(expected, queryMask), outputs[1].ToArray(), "the output's mask is the query's");
    }

    [Fact]
    public void MultiHeadAttentionUsesTheKeyMask()
    {
        RandomGenerator.SetGlobalSeed(7);
        var mha = new MultiHeadAttention(2, keyDim: 2);
        var q = GradCheck.Random(1, 2, 3, 4);
        var v = GradCheck.Random(2, 2, 4, 4);
        var k = GradCheck.Random(3, 2, 4, 5);
        var keyMask = Tensor.FromArray([1f, 0f, 1f, 1f, 0f, 1f, 1f, 0f], 2, 4);
        var (y, mask) = mha.CallMasked([q, v, k], [null, null, keyMask]);
        Assert.Null(mask);
        var combined = new float[2 * 3 * 4];
        for (int b = 0; b < 2; b++) for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) combined[(b * 3 + i) * 4 + j] = keyMask[b, j];
        Assert.Equal(mha.Call(q, v, k, Tensor.FromArray(combined, 2, 3, 4)).ToArray(), y.ToArray());
    }

    [Theory]
    [InlineData("Attention")]
    [InlineData("AdditiveAttention")]
    public void GradientsFlowThroughScoredAttentionMasks(string type)
    {
        var attention = Make(type);
        var queryMask = Tensor.FromArray([1f, 0f, 1f, 1f, 1f, 0f], 2, 3);
        var valueMask = Tensor.FromArray([1f, 1f, 0f, 0f, 1f, 1f, 1f, 0f], 2, 4);
        GradCheck.Check(t => attention.CallMasked([t[0], t[1], t[2]], [queryMask, valueMask, null]).Output,
            [GradCheck.Random(4, 2, 3, 3), GradCheck.Random(5, 2, 4, 2), GradCheck.Random(6, 2, 4, 3)], epsilon: 1e-2f, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void GradientsFlowThroughMultiHeadAttentionMasks()
    {
        RandomGenerator.SetGlobalSeed(8);
        var mha = new MultiHeadAttention(2, keyDim: 2, valueDim: 3);
        var queryMask = Tensor.FromArray([1f, 1f, 0f, 1f, 1f, 1f], 2, 3);
        var valueMask = Tensor.FromArray([1f, 0f, 1f, 1f, 0f, 1f, 1f, 1f], 2, 4);
        GradCheck.Check(t => mha.CallWithMasks(t[0], t[1], null, null, true, false, queryMask, valueMask, null, keepScores: false).Output,
            [GradCheck.Random(4, 2, 3, 3), GradCheck.Random(5, 2, 4, 2)], epsilon: 1e-2f, rtol: 3e-2, atol: 3e-3);
        var self = new MultiHeadAttention(2, keyDim: 2);
        GradCheck.Check(t => self.CallMasked([t[0], t[0]], [queryMask, queryMask]).Output, [GradCheck.Random(7, 2, 3, 3)],
            epsilon: 1e-2f, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void AMaskedAttentionModelSavesAndLoads()
    {
        RandomGenerator.SetGlobalSeed(10);
        var queryTokens = Model.Input([5], "query_tokens", DType.Int32);
        var valueTokens = Model.Input([4], "value_tokens", DType.Int32);
        var q = new Embedding(Vocabulary, 4, maskZero: true).Call(queryTokens);
        var v = new Embedding(Vocabulary, 4, maskZero: true).Call(valueTokens);
        var cross = new MultiHeadAttention(2, keyDim: 2).Call(q, v);
        var luong = new AdditiveAttention().Call(cross, v);
        var model = new Functional([queryTokens, valueTokens], new Dense(2).Call(new GlobalAveragePooling1D().Call(new Add().Call(luong, q))));
        Tensor[] inputs = [Tokens(Queries), Tokens(Values)];
        var expected = model.Call(inputs)[0].ToArray();
        using var folder = new TempFolder();
        string path = folder.File("masked.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(expected, loaded.Call(inputs)[0].ToArray());
    }
}
