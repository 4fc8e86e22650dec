using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

public class TransformerBlockTests
{
    // d = 4, 2 heads of 2, intermediate 8: two layer norms (2·4 each), attention 4·(4·4 + 4), FFN (4·8 + 8) + (8·4 + 4).
    private const int BlockParameters = 16 + 80 + 76;

    [Fact] public void EncoderHarness() => LayerHarness.Run(() => new TransformerEncoderBlock(2, 8), [5, 4], [5, 4], BlockParameters, batch: 2);

    [Fact]
    public void PostLayerNormEncoderHarness() =>
        LayerHarness.Run(() => new TransformerEncoderBlock(2, 8, keyDim: 3, activation: Activation.Relu, normalizeFirst: false), [3, 4], [3, 4],
            16 + (3 * (4 * 6 + 6) + 6 * 4 + 4) + 76, batch: 2);

    [Fact] public void DecoderHarness() => LayerHarness.Run(() => new TransformerDecoderBlock(2, 8), [5, 4], [5, 4], BlockParameters, batch: 2);

    [Fact]
    public void DecoderWithCrossAttentionHarness() =>
        // Cross-attention adds a layer norm (8) and attention with key/value from 6 features: 20 + 28 + 28 + 20.
        MultiInputHarness.Run(() => new TransformerDecoderBlock(2, 8), [[3, 4], [5, 6]], [3, 4], BlockParameters + 8 + 96);

    [Fact]
    public void SublayerWeightsAreTrackedUnderTheBlocksPath()
    {
        var block = new TransformerDecoderBlock(2, 8, name: "dec");
        block.Build(new Shape(3, 4), new Shape(5, 6));
        var paths = block.Parameters.Select(p => p.Path).ToArray();
        Assert.Contains("dec/self_attention/query/kernel", paths);
        Assert.Contains("dec/cross_attention/key/kernel", paths);
        Assert.Contains("dec/self_attention_layer_norm/gamma", paths);
        Assert.Contains("dec/feedforward_intermediate_dense/kernel", paths);
        Assert.Contains("dec/feedforward_output_dense/bias", paths);
        Assert.Equal(paths.Length, paths.Distinct().Count());
        Assert.True(block.HasCrossAttention);
        Assert.Equal(new[] { "self_attention_layer_norm", "self_attention", "self_attention_dropout", "cross_attention_layer_norm",
            "cross_attention", "cross_attention_dropout", "feedforward_layer_norm", "feedforward_intermediate_dense", "feedforward_output_dense",
            "feedforward_dropout" }, block.Sublayers.Select(l => l.Name));
        Assert.All(block.Sublayers, l => Assert.Same(block, l.Parent));
    }

    [Fact]
    public void ConfigRoundTripsWithEveryOption()
    {
        var block = new TransformerEncoderBlock(4, 16, keyDim: 3, dropout: 0.1f, activation: Activation.Relu, layerNormEpsilon: 1e-6f,
            normalizeFirst: false, name: "enc");
        var config = block.GetConfig();
        Assert.Equal(4, (int?)config["num_heads"]);
        Assert.Equal(16, (int?)config["intermediate_dim"]);
        Assert.Equal("relu", (string?)config["activation"]);
        Assert.False((bool?)config["normalize_first"]);
        var clone = (TransformerEncoderBlock)LayerRegistry.Create("TransformerEncoderBlock", config);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        Assert.Equal((3, 0.1f, 1e-6f), (clone.KeyDim, clone.Dropout, clone.LayerNormEpsilon));
    }

    /// <summary>Perturbing a later token leaves every earlier output of a decoder block unchanged.</summary>
    [Fact]
    public void DecoderIsCausal()
    {
        RandomGenerator.SetGlobalSeed(6);
        var block = new TransformerDecoderBlock(2, 16);
        var x = GradCheck.Random(1, 2, 7, 8);
        var before = block.Call(x).ToArray();
        for (int changedAt = 0; changedAt < 7; changedAt++)
        {
            var changed = x.Clone();
            for (int b = 0; b < 2; b++)
                for (int f = 0; f < 8; f++) changed.Span[(b * 7 + changedAt) * 8 + f] += 3f;
            var after = block.Call(changed).ToArray();
            for (int i = 0; i < before.Length; i++)
            {
                int t = i / 8 % 7;
                if (t < changedAt) Assert.Equal(before[i], after[i]);
            }
            Assert.NotEqual(before[(0 * 7 + changedAt) * 8], after[(0 * 7 + changedAt) * 8]);
        }
    }

    [Fact]
    public void EncoderSeesTheWholeSequence()
    {
        RandomGenerator.SetGlobalSeed(6);
        var block = new TransformerEncoderBlock(2, 16);
        var x = GradCheck.Random(1, 1, 4, 8);
        var before = block.Call(x).ToArray();
        var changed = x.Clone();
        changed.Span[3 * 8] += 3f; // last token
        Assert.NotEqual(before[0], block.Call(changed).ToArray()[0]);
    }

    [Fact]
    public void PaddingMasksPassGradientChecksAndHidePaddedKeys()
    {
        RandomGenerator.SetGlobalSeed(7);
        var encoder = new TransformerEncoderBlock(2, 6);
        var x = GradCheck.Random(1, 2, 4, 4);
        var padding = Tensor.FromArray(new[] { 1, 1, 1, 0, 1, 1, 0, 0 }, 2, 4);
        GradCheck.Check(t => encoder.Call(t[0], paddingMask: padding), [x], epsilon: 1e-3f);
        // Changing a padded token changes no real token's output.
        var before = encoder.Call(x, paddingMask: padding).ToArray();
        var changed = x.Clone();
        changed.Span[3 * 4] += 2f;          // batch 0, token 3 (padded)
        changed.Span[(4 + 2) * 4 + 1] += 2f; // batch 1, token 2 (padded)
        var after = encoder.Call(changed, paddingMask: padding).ToArray();
        foreach (int token in new[] { 0, 1, 2, 4, 5 })
            for (int f = 0; f < 4; f++) Assert.Equal(before[token * 4 + f], after[token * 4 + f], 5);

        var decoder = new TransformerDecoderBlock(2, 6);
        var encoded = GradCheck.Random(2, 2, 3, 5);
        var encoderPadding = Tensor.FromArray(new float[] { 1, 1, 0, 1, 0, 0 }, 2, 3);
        GradCheck.Check(t => decoder.Call(t[0], t[1], decoderPaddingMask: padding, encoderPaddingMask: encoderPadding), [x, encoded], epsilon: 1e-3f);
    }

    [Fact]
    public void BadInputsNameTheBlock()
    {
        var block = new TransformerDecoderBlock(2, 8, name: "dec");
        var e = Assert.Throws<ShapeMismatchException>(() => block.Call(GradCheck.Random(1, 2, 5)));
        Assert.Contains("'dec'", e.Message);
        block.Call(GradCheck.Random(1, 2, 3, 4));
        var cross = Assert.Throws<ShapeMismatchException>(() => block.Call(GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 3, 4)));
        Assert.Contains("without an encoder", cross.Message);
        var features = Assert.Throws<ShapeMismatchException>(() => block.Call(GradCheck.Random(1, 2, 3, 6)));
        Assert.Contains("(None, 3, 6)", features.Message);
        var mask = Assert.Throws<ShapeMismatchException>(() => block.Call(GradCheck.Random(1, 2, 3, 4), decoderPaddingMask: Tensor.Ones(2, 4)));
        Assert.Contains("(2, 3)", mask.Message);
        var heads = Assert.Throws<ShapeMismatchException>(() => new TransformerEncoderBlock(8, 4, name: "enc").Call(GradCheck.Random(1, 2, 3, 4)));
        Assert.Contains("4 features cannot be split over 8 heads", heads.Message);
    }
}
