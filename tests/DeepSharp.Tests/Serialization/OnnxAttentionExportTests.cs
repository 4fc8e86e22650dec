using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// MultiHeadAttention, the Transformer blocks and the position layers exported to ONNX agree with
/// DeepSharp in ONNX Runtime (1e-4 relative), masks and causal attention included.
/// </summary>
public class OnnxAttentionExportTests
{
    private const int Vocabulary = 13;

    private static Tensor Features(int batch, int steps, int features, int seed = 5) =>
        Tensor.RandomUniform(new Shape(batch, steps, features), -1f, 1f, new RandomGenerator(seed));

    /// <summary>Random 0/1 values (int32 or float) with the first row all 0 and the second all 1.</summary>
    private static Tensor Mask(DType dtype, int seed, params int[] shape)
    {
        var rng = new RandomGenerator(seed);
        var size = new Shape(shape);
        int row = size.Size / shape[0];
        var values = new int[size.Size];
        for (int i = 0; i < values.Length; i++) values[i] = i < row ? 0 : i < 2 * row ? 1 : rng.NextInt(2);
        return dtype == DType.Int32 ? Tensor.FromArray(values, size) : Tensor.FromArray(values.Select(v => (float)v).ToArray(), size);
    }

    /// <summary>Tokens in [1, Vocabulary) with zeros (padding) anywhere, a row of padding only, and a row without any.</summary>
    private static Tensor Tokens(int batch, int steps, DType dtype = DType.Float32)
    {
        var rng = new RandomGenerator(21);
        var ids = new int[batch * steps];
        for (int i = 0; i < ids.Length; i++)
        {
            int b = i / steps;
            ids[i] = b == 0 ? 0 : b == 1 ? 1 + rng.NextInt(Vocabulary - 1) : rng.NextInt(3) == 0 ? 0 : 1 + rng.NextInt(Vocabulary - 1);
        }
        return dtype == DType.Int32 ? Tensor.FromArray(ids, batch, steps) : Tensor.FromArray(ids.Select(v => (float)v).ToArray(), batch, steps);
    }

    private static void Check(Model model, IReadOnlyList<Tensor> inputs, string what)
    {
        OnnxRecurrentExportTests.PerturbBiases(model);
        OnnxRunner.AssertMatches(model, inputs, what);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(11, 2)]
    public void SelfAttentionInASequentialModelMatchesPredict(int steps, int batch)
    {
        RandomGenerator.SetGlobalSeed(31);
        var model = new Sequential(new Dense(6, inputShape: [steps, 4]), new MultiHeadAttention(3, keyDim: 5, valueDim: 2, outputShape: 9));
        Check(model, [Features(batch, steps, 4)], $"MultiHeadAttention T={steps} B={batch}");
    }

    [Fact]
    public void AMaskedSelfAttentionMasksQueriesAndKeysAsPredict()
    {
        RandomGenerator.SetGlobalSeed(32);
        var model = new Sequential(new Embedding(Vocabulary, 5, maskZero: true, inputShape: [7]), new MultiHeadAttention(2, keyDim: 3), new Dense(2));
        Check(model, [Tokens(4, 7)], "masked MultiHeadAttention");
    }

    [Theory]
    [InlineData(DType.Int32, true)]
    [InlineData(DType.Float32, false)]
    public void CrossAttentionWithKeyMaskAndCausalFlagMatchesCall(DType maskType, bool causal)
    {
        RandomGenerator.SetGlobalSeed(33);
        var query = Model.Input([5, 4], name: "query");
        var value = Model.Input([7, 3], name: "value");
        var key = Model.Input([7, 6], name: "key");
        var mask = Model.Input([5, 7], name: "mask", dtype: maskType);
        var output = new MultiHeadAttention(3, keyDim: 2, valueDim: 5, outputShape: 6).Call(query, value, key, mask, useCausalMask: causal);
        var model = new Functional([query, value, key, mask], [output]);
        Check(model, [Features(3, 5, 4, 1), Features(3, 7, 3, 2), Features(3, 7, 6, 3), Mask(maskType, 4, 3, 5, 7)], $"cross-attention causal={causal}");
    }

    [Fact]
    public void CausalSelfAttentionWithoutBiasesMatchesCall()
    {
        RandomGenerator.SetGlobalSeed(34);
        var x = Model.Input([7, 5]);
        var output = new MultiHeadAttention(2, keyDim: 3, useBias: false).Call(x, x, useCausalMask: true);
        Check(new Functional(x, output), [Features(2, 7, 5)], "causal self-attention, no biases");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EncoderBlockWithAPropagatedMaskMatchesPredict(bool normalizeFirst)
    {
        RandomGenerator.SetGlobalSeed(35);
        var model = new Sequential(
            new Embedding(Vocabulary, 6, maskZero: true, inputShape: [7]),
            new TransformerEncoderBlock(2, 11, activation: normalizeFirst ? null : Activation.Relu, normalizeFirst: normalizeFirst),
            new Dense(3));
        Check(model, [Tokens(4, 7)], $"encoder block normalizeFirst={normalizeFirst}");
    }

    [Fact]
    public void EncoderBlockWithMaskInputsMatchesCall()
    {
        RandomGenerator.SetGlobalSeed(36);
        var x = Model.Input([7, 6], name: "x");
        var padding = Model.Input([7], name: "padding", dtype: DType.Int32);
        var attention = Model.Input([7, 7], name: "attention");
        var output = new TransformerEncoderBlock(3, 9, keyDim: 4).Call(x, padding, attention);
        var model = new Functional([x, padding, attention], [output]);
        Check(model, [Features(3, 7, 6), Mask(DType.Int32, 7, 3, 7), Mask(DType.Float32, 8, 3, 7, 7)], "encoder block with masks");
    }

    /// <summary>A small GPT: token and learned position embeddings, causal decoder blocks, a final LayerNorm, logits.</summary>
    private static Functional Gpt(int steps, int blocks)
    {
        var tokens = Model.Input([steps], name: "tokens", dtype: DType.Int32);
        var embedded = new Embedding(Vocabulary, 10).Call(tokens);
        var x = new Add().Call(embedded, new PositionEmbedding(16).Call(embedded));
        for (int i = 0; i < blocks; i++) x = new TransformerDecoderBlock(2, 12).Call(x);
        var logits = new Dense(Vocabulary).Call(new LayerNormalization().Call(x));
        return new Functional(tokens, logits, name: "gpt");
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(1, 1)]
    [InlineData(16, 2)]
    public void GptStyleDecoderMatchesCall(int steps, int batch)
    {
        RandomGenerator.SetGlobalSeed(37);
        Check(Gpt(steps, blocks: 2), [Tokens(batch, steps, DType.Int32)], $"GPT T={steps} B={batch}");
    }

    [Fact]
    public void TheDecoderIsCausal()
    {
        RandomGenerator.SetGlobalSeed(38);
        var model = Gpt(5, blocks: 1);
        var first = Tensor.FromArray([1, 2, 3, 4, 5], 1, 5);
        var second = Tensor.FromArray([1, 2, 3, 9, 9], 1, 5);
        var a = OnnxRunner.Run(model, [first])[0];
        var b = OnnxRunner.Run(model, [second])[0];
        OnnxRunner.AssertClose(a[..(3 * Vocabulary)], b[..(3 * Vocabulary)], "positions before the change", 1e-6);
        Assert.NotEqual(a[3 * Vocabulary], b[3 * Vocabulary]);
    }

    [Fact]
    public void DecoderBlockWithAPropagatedMaskMatchesPredict()
    {
        RandomGenerator.SetGlobalSeed(39);
        var model = new Sequential(new Embedding(Vocabulary, 6, maskZero: true, inputShape: [7]), new TransformerDecoderBlock(3, 5, keyDim: 2), new Dense(2));
        Check(model, [Tokens(4, 7)], "decoder block with padding");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EncoderDecoderWithCrossAttentionAndMasksMatchesCall(bool causal)
    {
        RandomGenerator.SetGlobalSeed(40);
        var source = Model.Input([5, 6], name: "source");
        var target = Model.Input([7, 4], name: "target");
        var sourcePadding = Model.Input([5], name: "source_padding", dtype: DType.Int32);
        var targetAttention = Model.Input([7, 7], name: "target_attention");
        var encoded = new TransformerEncoderBlock(2, 8).Call(source, sourcePadding);
        var decoded = new TransformerDecoderBlock(3, 9, keyDim: 4, normalizeFirst: causal).Call(target, encoded,
            decoderAttentionMask: targetAttention, encoderPaddingMask: sourcePadding, useCausalMask: causal);
        var model = new Functional([source, target, sourcePadding, targetAttention], [decoded]);
        Check(model, [Features(3, 5, 6, 1), Features(3, 7, 4, 2), Mask(DType.Int32, 3, 3, 5), Mask(DType.Float32, 4, 3, 7, 7)],
            $"encoder-decoder causal={causal}");
    }

    [Theory]
    [InlineData(11, 7)]
    [InlineData(1, 4)]
    public void SinusoidalPositionEncodingMatchesCall(int steps, int features)
    {
        var x = Model.Input([steps, features]);
        var output = new Add().Call(x, new SinusoidalPositionEncoding(maxWavelength: 100f).Call(x));
        Check(new Functional(x, output), [Features(2, steps, features)], $"sinusoidal T={steps} d={features}");
    }

    [Fact]
    public void PositionEmbeddingAloneMatchesPredict()
    {
        RandomGenerator.SetGlobalSeed(41);
        var model = new Sequential(new Dense(3, inputShape: [6, 2]), new PositionEmbedding(9));
        Check(model, [Features(2, 6, 2)], "position embedding");
    }

    [Fact]
    public void ADecoderBuiltWithCrossAttentionNeedsTheEncoderSequence()
    {
        var target = Model.Input([4, 4]);
        var source = Model.Input([3, 4]);
        var block = new TransformerDecoderBlock(2, 4, name: "decoder");
        _ = block.Call(target, source);
        var model = new Sequential(new Dense(4, inputShape: [4, 4]), block);
        var e = Assert.Throws<DeepSharpException>(() => OnnxRunner.Run(model, [Features(1, 4, 4)]));
        Assert.Contains("'decoder'", e.Message);
        Assert.Contains("encoder sequence", e.Message);
    }

    /// <summary>Layer types this class exports (for the every-type-exports test).</summary>
    internal static IEnumerable<Model> Samples()
    {
        var x = Model.Input([3, 4]);
        var attention = new MultiHeadAttention(2, 2).Call(x, x);
        var encoded = new TransformerEncoderBlock(2, 4).Call(attention);
        var positions = new Add().Call(new SinusoidalPositionEncoding().Call(encoded), new PositionEmbedding(3).Call(encoded));
        yield return new Functional(x, new TransformerDecoderBlock(2, 4).Call(positions));
    }
}
