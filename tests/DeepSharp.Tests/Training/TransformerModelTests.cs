using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>Attention layers inside models: functional graphs with mask inputs, configs and model files.</summary>
public class TransformerModelTests
{
    internal const int Vocabulary = 11, Length = 8, Features = 16;

    /// <summary>A decoder-only character model: tokens → embedding + learned positions → decoder blocks → logits.</summary>
    internal static Functional DecoderOnly(int blocks = 2, int heads = 2)
    {
        var tokens = Model.Input([Length], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(Vocabulary, Features).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(Length).Call(x));
        for (int i = 0; i < blocks; i++) x = new TransformerDecoderBlock(heads, 2 * Features).Call(x);
        return new Functional(tokens, new Dense(Vocabulary).Call(x), name: "char_decoder");
    }

    internal static Tensor Tokens(int batch, int seed)
    {
        var rng = new RandomGenerator(seed);
        var t = new int[batch * Length];
        for (int i = 0; i < t.Length; i++) t[i] = rng.NextInt(Vocabulary);
        return Tensor.FromArray(t, batch, Length);
    }

    [Fact]
    public void MultiHeadAttentionWithMaskInputInAFunctionalModel()
    {
        RandomGenerator.SetGlobalSeed(21);
        var query = Model.Input([4, 6], name: "query");
        var context = Model.Input([5, 3], name: "context");
        var mask = Model.Input([4, 5], name: "mask");
        var mha = new MultiHeadAttention(2, 3, name: "mha");
        var attended = mha.Call(query, context, attentionMask: mask);
        var self = new MultiHeadAttention(3, 2, name: "self").Call(attended, attended, useCausalMask: true);
        var model = new Functional([query, context, mask], [new Dense(2).Call(self)]);

        var q = GradCheck.Random(1, 2, 4, 6);
        var c = GradCheck.Random(2, 2, 5, 3);
        var m = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? 0f : 1f).ToArray(), 2, 4, 5);
        var output = model.Call([q, c, m])[0];
        var selfLayer = (MultiHeadAttention)model.Layers.Single(l => l.Name == "self");
        var direct = ((Dense)model.Layers[^1]).Call(selfLayer.Call(mha.Call(q, c, attentionMask: m), mha.Call(q, c, attentionMask: m), useCausalMask: true));
        Assert.Equal(direct.ToArray(), output.ToArray());

        // The config keeps the keywords (key, attention_mask, use_causal_mask) and rebuilds the same graph.
        var config = model.GetConfig();
        string json = config.ToJsonString();
        Assert.Contains("\"attention_mask\":{\"class_name\":\"__keras_tensor__\"", json);
        Assert.Contains("\"use_causal_mask\":true", json);
        var rebuilt = Functional.FromConfig(config);
        Assert.Equal(json, rebuilt.GetConfig().ToJsonString());
        var from = model.Parameters.ToArray();
        var to = rebuilt.Parameters.ToArray();
        Assert.Equal(from.Select(p => p.Path), to.Select(p => p.Path));
        for (int i = 0; i < from.Length; i++) from[i].Value.Span.CopyTo(to[i].Value.Span);
        Assert.Equal(output.ToArray(), rebuilt.Call([q, c, m])[0].ToArray());
    }

    [Fact]
    public void EncoderDecoderWithPaddingMasksRoundTripsThroughAModelFile()
    {
        RandomGenerator.SetGlobalSeed(22);
        var source = Model.Input([6, 8], name: "source");
        var sourcePadding = Model.Input([6], name: "source_padding");
        var target = Model.Input([5, 8], name: "target");
        var encoded = new TransformerEncoderBlock(2, 16).Call(source, paddingMask: sourcePadding);
        var decoded = new TransformerDecoderBlock(2, 16).Call(target, encoded, encoderPaddingMask: sourcePadding);
        var model = new Functional([source, sourcePadding, target], [new Dense(3).Call(decoded)]);
        var inputs = new[]
        {
            GradCheck.Random(1, 2, 6, 8), Tensor.FromArray(new float[] { 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1 }, 2, 6), GradCheck.Random(2, 2, 5, 8),
        };
        var expected = model.Call(inputs)[0].ToArray();

        using var folder = new TempFolder();
        string path = folder.File("seq2seq.safetensors");
        model.Save(path);
        var loaded = (Functional)Model.Load(path);
        Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
        Assert.Equal(expected, loaded.Call(inputs)[0].ToArray());
        Assert.Contains(loaded.Parameters, p => p.Path == "transformer_decoder_block/cross_attention/value/kernel");
    }

    [Fact]
    public void DecoderOnlySequentialSavesLoadsAndSummarises()
    {
        RandomGenerator.SetGlobalSeed(23);
        var model = new Sequential(
            new Embedding(Vocabulary, Features, inputShape: [Length]),
            new TransformerDecoderBlock(2, 32, dropout: 0.1f),
            new TransformerDecoderBlock(2, 32, normalizeFirst: false),
            new Dense(Vocabulary));
        var tokens = Tokens(3, 1);
        var expected = model.Call(tokens).ToArray();
        using var folder = new TempFolder();
        string path = folder.File("decoder.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(expected, loaded.Call(tokens).ToArray());
        string summary = model.Summary(_ => { });
        Assert.Contains("transformer_decoder_block_1", summary);
        Assert.Contains(model.Layers[1].ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), summary);
    }

    [Fact]
    public void FunctionalDecoderOnlyConfigRoundTrips()
    {
        RandomGenerator.SetGlobalSeed(24);
        var model = DecoderOnly();
        var rebuilt = Functional.FromConfig(model.GetConfig());
        Assert.Equal(model.GetConfig().ToJsonString(), rebuilt.GetConfig().ToJsonString());
        Assert.Equal(model.Parameters.Select(p => (p.Path, p.Shape)), rebuilt.Parameters.Select(p => (p.Path, p.Shape)));
    }

    /// <summary>The decoder-only example of docs/layers.md, as written there (two batches of random text).</summary>
    [Fact]
    public void DocsCharacterModelExampleRuns()
    {
        RandomGenerator.SetGlobalSeed(25);
        var rng = new RandomGenerator(3);
        var batches = new List<(Tensor, Tensor)>();
        for (int b = 0; b < 2; b++)
        {
            var text = new int[4 * 33];
            for (int i = 0; i < text.Length; i++) text[i] = rng.NextInt(64);
            var inputs = new int[4 * 32];
            var targets = new int[4 * 32];
            for (int r = 0; r < 4; r++)
            {
                Array.Copy(text, r * 33, inputs, r * 32, 32);
                Array.Copy(text, r * 33 + 1, targets, r * 32, 32);
            }
            batches.Add((Tensor.FromArray(inputs, 4, 32), Tensor.FromArray(targets, 4, 32)));
        }

        // --- docs/layers.md ---
        const int Vocabulary = 64, Context = 32;
        var tokens = Model.Input([Context], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(Vocabulary, 64).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(Context).Call(x));
        x = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 256, dropout: 0.1f).Call(x);
        x = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 256, dropout: 0.1f).Call(x);
        var model = new Functional(tokens, new Dense(Vocabulary).Call(x), name: "char_gpt");

        var optimizer = new Adam(3e-3f);
        var parameters = model.TrainableParameters.ToArray();
        foreach (var (inputs, targets) in batches)
        {
            using var scope = Tensor.Scope();
            var logits = Ops.Reshape(model.Call(inputs, training: true), -1, Vocabulary);
            var loss = Ops.Mean(Ops.SparseSoftmaxCrossEntropy(logits, targets.View(-1)));
            foreach (var p in parameters) p.Value.Grad?.Span.Clear();
            loss.Backward();
            optimizer.Apply(parameters);
        }

        var cache = new KvCache(Context);
        var prompt = Tensor.FromArray(new[] { 7, 12, 3 }, 1, 3);
        var next = model.Step(prompt, cache);
        for (int i = 0; i < 20 && cache.Length < Context; i++)
        {
            var last = next.Span.Slice((next.Shape[1] - 1) * Vocabulary, Vocabulary);
            int token = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(last);
            next = model.Step(Tensor.FromArray(new[] { token }, 1, 1), cache);
        }
        // --- end ---
        Assert.Equal(23, cache.Length);
        Assert.Equal(new Shape(1, 1, Vocabulary), next.Shape);
    }

    /// <summary>A mask from Embedding(maskZero) reaches the blocks and attention as their padding mask (keras_hub's behaviour).</summary>
    [Fact]
    public void PropagatedMasksArePaddingMasks()
    {
        RandomGenerator.SetGlobalSeed(26);
        var embedding = new Embedding(Vocabulary, Features, inputShape: [Length], maskZero: true);
        var encoder = new TransformerEncoderBlock(2, 32);
        var decoder = new TransformerDecoderBlock(2, 32);
        var attention = new MultiHeadAttention(2, 8);
        var model = new Sequential(embedding, encoder, decoder, attention);
        var tokens = Tensor.FromArray(new[] { 3, 5, 2, 7, 0, 0, 0, 0, /* */ 4, 4, 1, 9, 8, 6, 2, 0 }, 2, Length);
        var output = model.Call(tokens);

        var padding = Tensor.FromArray(tokens.ToIntArray().Select(t => t != 0 ? 1f : 0f).ToArray(), 2, Length);
        var both = new float[2 * Length * Length];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < Length; i++)
                for (int j = 0; j < Length; j++)
                    both[(b * Length + i) * Length + j] = padding[b, i] * padding[b, j];
        var e = encoder.Call(embedding.Call(tokens), paddingMask: padding);
        var d = decoder.Call(e, decoderPaddingMask: padding);
        var expected = attention.Call(d, d, attentionMask: Tensor.FromArray(both, 2, Length, Length));
        Assert.Equal(expected.ToArray(), output.ToArray());
        Assert.NotEqual(expected.ToArray(), attention.Call(d, d).ToArray()); // the mask changed something
    }
}
