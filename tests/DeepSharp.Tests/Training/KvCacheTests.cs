using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using static DeepSharp.Tests.Training.TransformerModelTests;

namespace DeepSharp.Tests.Training;

/// <summary>One-token decoding with cached keys and values gives the logits of full recomputation.</summary>
public class KvCacheTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void StepByStepEqualsFullRecomputation(int promptLength)
    {
        RandomGenerator.SetGlobalSeed(31);
        var model = DecoderOnly();
        var tokens = Tokens(2, 5);
        var cache = new KvCache(Length);
        var stepped = new List<float[]>();
        // The prompt in one step, then one token per step.
        var first = model.Step(Slice(tokens, 0, promptLength), cache);
        Assert.Equal(new Shape(2, promptLength, Vocabulary), first.Shape);
        for (int t = 0; t < promptLength; t++) stepped.Add(Position(first, t));
        for (int t = promptLength; t < Length; t++)
        {
            var logits = model.Step(Slice(tokens, t, 1), cache);
            Assert.Equal(new Shape(2, 1, Vocabulary), logits.Shape);
            stepped.Add(Position(logits, 0));
        }
        Assert.Equal(Length, cache.Length);

        // Full recomputation for each prefix: the causal model's output at t ignores the tokens after t,
        // so the prefix is padded with arbitrary tokens to the model's length.
        for (int t = 0; t < Length; t++)
        {
            var padded = tokens.Clone();
            for (int b = 0; b < 2; b++)
                for (int s = t + 1; s < Length; s++) padded.IntSpan[b * Length + s] = (s * 7 + b) % Vocabulary;
            var full = Position(model.Call(padded), t);
            var step = stepped[t];
            for (int i = 0; i < full.Length; i++)
                Assert.True(Math.Abs(full[i] - step[i]) <= 1e-5f, $"position {t}, logit {i}: step {step[i]}, full {full[i]}");
        }
        Assert.Throws<InvalidOperationException>(() => model.Step(Slice(tokens, 0, 1), cache)); // the cache is full
    }

    [Fact]
    public void SequentialDecoderStepsToo()
    {
        RandomGenerator.SetGlobalSeed(32);
        var model = new Sequential(
            new Embedding(Vocabulary, Features, inputShape: [Length]),
            new TransformerDecoderBlock(4, 32, normalizeFirst: false),
            new Dropout(0.2f),
            new Dense(Vocabulary, Activation.Softmax));
        var tokens = Tokens(3, 6);
        var full = model.Call(tokens);
        var cache = new KvCache(Length);
        for (int t = 0; t < Length; t++)
        {
            var p = Position(model.Step(Slice(tokens, t, 1), cache), 0);
            var e = Position(full, t);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - p[i]) <= 1e-5f, $"position {t}: {p[i]} vs {e[i]}");
        }
    }

    [Fact]
    public void CrossAttentionDecoderStepsWithTheEncoderSequence()
    {
        RandomGenerator.SetGlobalSeed(33);
        var block = new TransformerDecoderBlock(2, 12);
        var x = GradCheck.Random(1, 2, 5, 8);
        var encoder = GradCheck.Random(2, 2, 4, 6);
        var padding = Tensor.FromArray(new float[] { 1, 1, 1, 0, 1, 1, 0, 0 }, 2, 4);
        var full = block.Call(x, encoder, encoderPaddingMask: padding);
        var cache = new KvCache(5);
        var prompt = block.Step(Slice(x, 0, 2), cache, encoder, padding);
        var rest = new[] { prompt }.Concat(Enumerable.Range(2, 3).Select(t => block.Step(Slice(x, t, 1), cache, encoder, padding))).ToArray();
        int row = 0;
        foreach (var part in rest)
            for (int t = 0; t < part.Shape[1]; t++, row++)
            {
                var e = Position(full, row);
                var a = Position(part, t);
                for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f, $"position {row}: {a[i]} vs {e[i]}");
            }
    }

    [Fact]
    public void FunctionalModelWithCausalSelfAttentionSteps()
    {
        RandomGenerator.SetGlobalSeed(36);
        var tokens = Model.Input([Length], dtype: DType.Int32);
        var x = new Embedding(Vocabulary, Features).Call(tokens);
        x = new Add().Call(x, new SinusoidalPositionEncoding().Call(x));
        var h = new LayerNormalization().Call(x);
        x = new Add().Call(x, new MultiHeadAttention(4, 4).Call(h, h, useCausalMask: true));
        var model = new Functional(tokens, new Dense(Vocabulary).Call(x));
        var input = Tokens(2, 8);
        var full = model.Call(input);
        var cache = new KvCache(Length);
        var prompt = model.Step(Slice(input, 0, 5), cache);
        for (int t = 0; t < Length; t++)
        {
            var a = t < 5 ? Position(prompt, t) : Position(model.Step(Slice(input, t, 1), cache), 0);
            var e = Position(full, t);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f, $"position {t}: {a[i]} vs {e[i]}");
        }

        // A plain (non-causal) self-attention cannot be stepped: its early outputs see later tokens.
        var bidirectional = new Sequential(new Embedding(Vocabulary, 8, inputShape: [Length]), new MultiHeadAttention(2, 4));
        bidirectional.Call(input);
        var e2 = Assert.Throws<InvalidOperationException>(() => bidirectional.Step(Slice(input, 0, 1), new KvCache(Length)));
        Assert.Contains("causal self-attention", e2.Message);
    }

    [Fact]
    public void StepsRecordNoGradientsAndRejectLayersThatMixPositions()
    {
        RandomGenerator.SetGlobalSeed(34);
        var model = DecoderOnly(blocks: 1);
        var logits = model.Step(Slice(Tokens(1, 2), 0, 1), new KvCache(Length));
        Assert.Null(logits.GradFn);

        var flat = new Sequential(new Embedding(Vocabulary, 4, inputShape: [Length]), new Flatten(), new Dense(2));
        flat.Call(Tokens(1, 3));
        var e = Assert.Throws<InvalidOperationException>(() => flat.Step(Slice(Tokens(1, 3), 0, 1), new KvCache(Length)));
        Assert.Contains("'flatten' (Flatten)", e.Message);

        var encoderOnly = new Sequential(new Embedding(Vocabulary, 4, inputShape: [Length]), new TransformerEncoderBlock(2, 8));
        encoderOnly.Call(Tokens(1, 3));
        Assert.Throws<InvalidOperationException>(() => encoderOnly.Step(Slice(Tokens(1, 3), 0, 1), new KvCache(Length)));
    }

    [Fact]
    public void GreedyGenerationWithTheCacheMatchesGenerationWithout()
    {
        RandomGenerator.SetGlobalSeed(35);
        var model = DecoderOnly();
        int[] withCache = [3], without = [3];
        var cache = new KvCache(Length);
        var next = model.Step(Tensor.FromArray(new[] { 3 }, 1, 1), cache);
        for (int t = 1; t < Length; t++)
        {
            int token = ArgMax(Position(next, 0));
            withCache = [.. withCache, token];
            next = model.Step(Tensor.FromArray(new[] { token }, 1, 1), cache);
        }
        for (int t = 1; t < Length; t++)
        {
            var padded = new int[Length];
            without.CopyTo(padded, 0);
            using var _ = NoGrad.Scope();
            without = [.. without, ArgMax(Position(model.Call(Tensor.FromArray(padded, 1, Length)), t - 1))];
        }
        Assert.Equal(without, withCache);
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    /// <summary>Positions [start, start + count) of (batch, T, ...) as a new tensor.</summary>
    internal static Tensor Slice(Tensor x, int start, int count)
    {
        int batch = x.Shape[0], t = x.Shape[1], inner = x.Size / Math.Max(batch * t, 1);
        var dims = x.Shape.ToArray();
        dims[1] = count;
        if (x.DType == DType.Int32)
        {
            var r = Tensor.FromArray(new int[batch * count * inner], dims);
            for (int b = 0; b < batch; b++) x.IntSpan.Slice((b * t + start) * inner, count * inner).CopyTo(r.IntSpan.Slice(b * count * inner));
            return r;
        }
        var f = Tensor.Zeros(dims);
        for (int b = 0; b < batch; b++) x.Span.Slice((b * t + start) * inner, count * inner).CopyTo(f.Span.Slice(b * count * inner));
        return f;
    }

    /// <summary>Every sample's features at position t of (batch, T, features), concatenated.</summary>
    internal static float[] Position(Tensor x, int t)
    {
        int batch = x.Shape[0], length = x.Shape[1], features = x.Shape[2];
        var r = new float[batch * features];
        for (int b = 0; b < batch; b++) x.Span.Slice((b * length + t) * features, features).CopyTo(r.AsSpan(b * features));
        return r;
    }
}
