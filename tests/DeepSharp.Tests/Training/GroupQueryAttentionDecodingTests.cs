using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;
using static DeepSharp.Tests.Training.KvCacheTests;

namespace DeepSharp.Tests.Training;

/// <summary>
/// GroupQueryAttention one decoding step at a time: the KV cache holds the key/value heads only
/// (Hkv, not Hq), steps equal the full causal call, a model steps through it, and TextGenerator
/// decodes a small GQA model with the cache to the tokens it draws without one.
/// </summary>
public class GroupQueryAttentionDecodingTests
{
    private const int Positions = 8;

    [Theory]
    [InlineData(4, 2)] // two query heads per key/value head
    [InlineData(3, 1)] // multi-query attention
    [InlineData(2, 2)] // as many key/value heads as query heads (MultiHeadAttention's layout)
    public void StepsEqualTheFullCausalCallAndCacheOnlyTheKeyValueHeads(int queryHeads, int keyValueHeads)
    {
        var gqa = new GroupQueryAttention(headDim: 3, queryHeads, keyValueHeads, name: "gqa");
        var x = GradCheck.Random(1, 2, 7, 6);
        var full = gqa.Call(x, x, useCausalMask: true);
        var rng = new RandomGenerator(2);
        foreach (var p in gqa.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f); // non-zero biases too
        full = gqa.Call(x, x, useCausalMask: true);

        var cache = new KvCache(7);
        var parts = new[] { gqa.Step(Slice(x, 0, 3), cache), gqa.Step(Slice(x, 3, 1), cache), gqa.Step(Slice(x, 4, 2), cache), gqa.Step(Slice(x, 6, 1), cache) };
        Assert.Equal(7, cache.Length);
        var keys = cache.SelfAttention(gqa).Keys!;
        Assert.Equal(new Shape(2, 7, keyValueHeads, 3), keys.Shape); // Hkv heads: Hq/Hkv times smaller than Hq heads
        Assert.Equal(new Shape(2, 7, keyValueHeads, 3), cache.SelfAttention(gqa).Values!.Shape);
        int row = 0;
        foreach (var part in parts)
            for (int t = 0; t < part.Shape[1]; t++, row++)
            {
                var e = Position(full, row);
                var a = Position(part, t);
                for (int i = 0; i < e.Length; i++)
                    Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f * (1 + Math.Abs(e[i])), $"position {row}, feature {i}: step {a[i]}, full {e[i]}");
            }
        var fullCache = Assert.Throws<InvalidOperationException>(() => gqa.Step(Slice(x, 0, 1), cache));
        Assert.Contains("'gqa' (GroupQueryAttention)", fullCache.Message);
    }

    [Fact]
    public void CrossAttentionStepsKeepTheEncoderKeyValueHeads()
    {
        var gqa = new GroupQueryAttention(2, 4, 2);
        var query = GradCheck.Random(3, 2, 3, 5);
        var value = GradCheck.Random(4, 2, 4, 6);
        var mask = Tensor.FromArray(new float[] { 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, /* */ 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, 2, 3, 4);
        gqa.Build(new Shape(3, 5), new Shape(4, 6));
        var rng = new RandomGenerator(5);
        foreach (var p in gqa.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        var full = gqa.Call(query, value, attentionMask: mask);
        var cache = new KvCache(3);
        for (int t = 0; t < 3; t++)
        {
            var step = gqa.StepCross(Slice(query, t, 1), value, Slice(mask, t, 1), cache);
            var e = Position(full, t);
            var a = Position(step, 0);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f * (1 + Math.Abs(e[i])), $"position {t}: {a[i]} vs {e[i]}");
        }
        Assert.Equal(new Shape(2, 4, 2, 2), cache.CrossAttention(gqa).Keys!.Shape);
    }

    [Fact]
    public void AModelWithCausalGroupQueryAttentionSteps()
    {
        RandomGenerator.SetGlobalSeed(41);
        var model = Decoder(vocabulary: 11);
        var input = Tensor.FromArray([.. Enumerable.Range(0, 2 * Positions).Select(i => (i * 5 + 2) % 11)], 2, Positions);
        var full = model.Call(input);
        Assert.True(model.CanStep());
        var cache = new KvCache(Positions);
        var prompt = model.Step(Slice(input, 0, 3), cache);
        for (int t = 0; t < Positions; t++)
        {
            var a = t < 3 ? Position(prompt, t) : Position(model.Step(Slice(input, t, 1), cache), 0);
            var e = Position(full, t);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f * (1 + Math.Abs(e[i])), $"position {t}: {a[i]} vs {e[i]}");
        }

        // Self-attention that is not causal, or a GQA in a Sequential model (a plain call: not causal), cannot step.
        var tokens = Model.Input([Positions], dtype: DType.Int32);
        var h = new Embedding(11, 8).Call(tokens);
        var bidirectional = new Functional(tokens, new GroupQueryAttention(2, 4, 2, name: "both_ways").Call(h, h));
        bidirectional.Call(input);
        Assert.False(bidirectional.CanStep());
        var e2 = Assert.Throws<InvalidOperationException>(() => bidirectional.Step(Slice(input, 0, 1), new KvCache(Positions)));
        Assert.Contains("'both_ways' (GroupQueryAttention)", e2.Message);
        Assert.Contains("causal self-attention", e2.Message);
        var sequential = new Sequential(new Embedding(11, 8, inputShape: [Positions]), new GroupQueryAttention(2, 4, 2));
        sequential.Call(input);
        Assert.False(sequential.CanStep());
    }

    [Fact]
    public void StepsRefuseAnUnbuiltLayerAndOtherFeaturesNamingTheLayer()
    {
        var gqa = new GroupQueryAttention(2, 4, 2, name: "g");
        var x = GradCheck.Random(6, 1, 2, 4);
        Assert.Contains("'g' (GroupQueryAttention) must be built", Assert.Throws<InvalidOperationException>(() => gqa.Step(x, new KvCache(4))).Message);
        gqa.Call(x, x, useCausalMask: true);
        var wrong = Assert.Throws<ShapeMismatchException>(() => gqa.Step(GradCheck.Random(7, 1, 1, 5), new KvCache(4)));
        Assert.Contains("'g' (GroupQueryAttention)", wrong.Message);
        Assert.Contains("[1, 1, 5]", wrong.Message.Replace("(", "[").Replace(")", "]"));
        var cache = new KvCache(4);
        gqa.Step(x, cache);
        Assert.Contains("holds 1 sequences", Assert.Throws<ShapeMismatchException>(() => gqa.Step(GradCheck.Random(8, 2, 1, 4), cache)).Message);
        var cross = new GroupQueryAttention(2, 4, 2, name: "c");
        cross.Call(x, GradCheck.Random(9, 1, 3, 6));
        Assert.Contains("key or value features other than the query's", Assert.Throws<InvalidOperationException>(() => cross.Step(x, new KvCache(4))).Message);
    }

    /// <summary>
    /// TextGenerator decodes the GQA model with a KV cache; the same greedy and seeded sampling
    /// without a cache (the whole padded window through Call each token, as TextGenerator does for
    /// models that cannot step) draws the same tokens.
    /// </summary>
    [Fact]
    public void TextGeneratorDrawsTheSameTokensWithAndWithoutTheCache()
    {
        RandomGenerator.SetGlobalSeed(42);
        var vectorizer = new TextVectorizer(outputSequenceLength: Positions).Adapt(["one two three four five six seven eight nine ten"]);
        var model = Decoder(vectorizer.VocabularySize);
        model.Build(new Shape(Positions));
        Assert.True(model.CanStep());
        foreach (var (prompt, temperature, seed) in new[] { ("one", 0f, 1), ("two four", 0f, 2), ("three", 1f, 3), ("five six seven", 1.5f, 4) })
        {
            var cached = TextGenerator.Continue(model, vectorizer, prompt, new TokenSampler(temperature, generator: new RandomGenerator(seed)));
            var uncached = WithoutCache(model, vectorizer, prompt, new TokenSampler(temperature, generator: new RandomGenerator(seed)));
            Assert.Equal(uncached, cached);
            Assert.Equal(Positions - vectorizer.Ids(prompt).Length, cached.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    /// <summary>Embedding → + sinusoidal positions → pre-norm causal GroupQueryAttention with a residual → Dense logits.</summary>
    private static Functional Decoder(int vocabulary)
    {
        var tokens = Model.Input([Positions], dtype: DType.Int32);
        var x = new Embedding(vocabulary, 8).Call(tokens);
        x = new Add().Call(x, new SinusoidalPositionEncoding().Call(x));
        var h = new LayerNormalization().Call(x);
        x = new Add().Call(x, new GroupQueryAttention(headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2).Call(h, h, useCausalMask: true));
        return new Functional(tokens, new Dense(vocabulary).Call(x));
    }

    /// <summary>TextGenerator.Continue's loop for a word vectorizer, re-running the whole padded window for each token.</summary>
    private static string WithoutCache(Model model, TextVectorizer vectorizer, string prompt, TokenSampler sampler)
    {
        var ids = new List<int>(vectorizer.Ids(prompt));
        var generated = new List<int>();
        int v = vectorizer.VocabularySize;
        while (ids.Count < Positions)
        {
            var window = new int[Positions];
            ids.CopyTo(window);
            var row = model.Call(Tensor.FromArray(window, 1, Positions)).ToArray().AsSpan((ids.Count - 1) * v, v).ToArray();
            row[0] = row[1] = float.NegativeInfinity; // padding and [UNK]
            int id = sampler.Sample(row);
            ids.Add(id);
            generated.Add(id);
        }
        string prefix = vectorizer.Decode(vectorizer.Ids(prompt)), full = vectorizer.Decode(ids);
        return full.StartsWith(prefix, StringComparison.Ordinal) ? full[prefix.Length..] : vectorizer.Decode(generated);
    }
}
