using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// Functional graphs whose attention and merge calls receive masks propagated from
/// Embedding(maskZero) export to ONNX with the same numbers in ONNX Runtime, or are refused.
/// </summary>
public class OnnxPropagatedMaskExportTests
{
    private const int Vocabulary = 11;

    private static Tensor Tokens(int batch, int steps, int seed)
    {
        var rng = new RandomGenerator(seed);
        var ids = new int[batch * steps];
        for (int i = 0; i < ids.Length; i++)
        {
            int b = i / steps, t = i % steps;
            ids[i] = b == 1 || t == 0 ? 1 + rng.NextInt(Vocabulary - 1) : rng.NextInt(3) == 0 ? 0 : 1 + rng.NextInt(Vocabulary - 1);
        }
        return Tensor.FromArray(ids, batch, steps);
    }

    private static void Check(Model model, IReadOnlyList<Tensor> inputs, string what)
    {
        OnnxRecurrentExportTests.PerturbBiases(model);
        OnnxRunner.AssertMatches(model, inputs, what);
    }

    [Theory]
    [InlineData("Attention", false)]
    [InlineData("Attention", true)]
    [InlineData("AdditiveAttention", false)]
    public void ScoredAttentionWithPropagatedMasksMatches(string type, bool causal)
    {
        RandomGenerator.SetGlobalSeed(1);
        var queryTokens = Model.Input([5], "queries", DType.Int32);
        var valueTokens = Model.Input([6], "values", DType.Int32);
        var q = new Embedding(Vocabulary, 4, maskZero: true).Call(queryTokens);
        var v = new Embedding(Vocabulary, 4, maskZero: true).Call(valueTokens);
        ScoredAttention attention = type == "Attention" ? new Attention(useScale: true) : new AdditiveAttention();
        var attended = attention.Call(q, v, useCausalMask: causal);
        var model = new Functional([queryTokens, valueTokens], [attended, new GlobalAveragePooling1D().Call(attended)]);
        Check(model, [Tokens(3, 5, 2), Tokens(3, 6, 3)], $"{type} causal={causal}");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void MultiHeadAttentionWithPropagatedMasksMatches(bool withAttentionMask, bool causal)
    {
        RandomGenerator.SetGlobalSeed(2);
        var queryTokens = Model.Input([5], "queries", DType.Int32);
        var valueTokens = Model.Input([4], "values", DType.Int32);
        var given = Model.Input([5, 4], "attention_mask", DType.Int32);
        var q = new Embedding(Vocabulary, 6, maskZero: true).Call(queryTokens);
        var v = new Embedding(Vocabulary, 5, maskZero: true).Call(valueTokens);
        var attended = new MultiHeadAttention(2, keyDim: 3).Call(q, v, attentionMask: withAttentionMask ? given : null, useCausalMask: causal);
        var model = new Functional(withAttentionMask ? [queryTokens, valueTokens, given] : [queryTokens, valueTokens],
            [attended, new GlobalAveragePooling1D().Call(attended)]);
        var rng = new RandomGenerator(4);
        var allowed = Tensor.FromArray(Enumerable.Range(0, 3 * 5 * 4).Select(_ => rng.NextInt(4) == 0 ? 0 : 1).ToArray(), 3, 5, 4);
        Check(model, withAttentionMask ? [Tokens(3, 5, 5), Tokens(3, 4, 6), allowed] : [Tokens(3, 5, 5), Tokens(3, 4, 6)], $"MultiHeadAttention mask={withAttentionMask} causal={causal}");
    }

    [Theory]
    [InlineData("add")]
    [InlineData("features")]
    [InlineData("time")]
    public void MergedMasksMatch(string merge)
    {
        RandomGenerator.SetGlobalSeed(3);
        var left = Model.Input([4], "left", DType.Int32);
        var right = Model.Input([4], "right", DType.Int32);
        var a = new Embedding(Vocabulary, 3, maskZero: true).Call(left);
        var b = new Embedding(Vocabulary, 3, maskZero: true).Call(right);
        var merged = merge switch
        {
            "add" => new Add().Call(a, b),
            "features" => new Concatenate().Call(a, b),
            _ => new Concatenate(axis: 1).Call(a, b),
        };
        var model = new Functional([left, right], new GlobalAveragePooling1D().Call(new MultiHeadAttention(2, keyDim: 2).Call(merged)));
        Check(model, [Tokens(3, 4, 7), Tokens(3, 4, 8)], $"merge {merge}");
    }

    [Fact]
    public void AJoinInTimeOfMaskedAndUnmaskedSequencesIsRefused()
    {
        var left = Model.Input([4], "left", DType.Int32);
        var right = Model.Input([2, 3], "right");
        var joined = new Concatenate(axis: 1, name: "join").Call(new Embedding(Vocabulary, 3, maskZero: true).Call(left), right);
        var model = new Functional([left, right], new GlobalAveragePooling1D().Call(joined));
        var e = Assert.Throws<DeepSharpException>(() => OnnxRunner.Run(model, [Tokens(2, 4, 1), GradCheck.Random(2, 2, 2, 3)]));
        Assert.Contains("layer 'join' (Concatenate)", e.Message);
    }
}
