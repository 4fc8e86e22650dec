using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// GroupQueryAttention (Keras 3): the harnesses (output shape, Keras's weight count, config round trip, finite-difference
/// gradients, a training step), Keras's weight names and shapes, equality with MultiHeadAttention when every query head
/// has its own key/value head, a naive loop in double for shared key/value heads (masks, causal mask, scores),
/// dropout, Keras's config JSON (also under its class name GroupedQueryAttention), functional calls saved, loaded and
/// exported to ONNX Runtime, and bad heads and shapes refused with the layer's name.
/// </summary>
public sealed class GroupQueryAttentionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Models holding the layer (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [SelfAttention(), CrossAttention()];

    private static Sequential SelfAttention() => new(
        new Dense(6, inputShape: [4, 3]),
        new GroupQueryAttention(headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2, name: "gqa_self"),
        new GroupQueryAttention(headDim: 3, numQueryHeads: 2, numKeyValueHeads: 1, useBias: false, name: "mqa"),
        new Flatten(),
        new Dense(2));

    private static Functional CrossAttention()
    {
        var query = Model.Input([3, 4], name: "query");
        var value = Model.Input([5, 6], name: "value");
        var mask = Model.Input([3, 5], name: "mask");
        var causal = new GroupQueryAttention(2, 4, 2, name: "causal").Call(query, query, useCausalMask: true);
        var cross = new GroupQueryAttention(3, 3, 1, name: "cross").Call(causal, value, attentionMask: mask);
        return new Functional([query, value, mask], new Dense(2).Call(new Flatten().Call(cross)));
    }

    // Keras's count: query (4·4·3 + 4·3) + key (5·2·3 + 2·3) + value (5·2·3 + 2·3) + output (4·3·4 + 4).
    [Fact] public void CrossAttentionHarness() => MultiInputHarness.Run(() => new GroupQueryAttention(3, 4, 2), [[3, 4], [5, 5]], [3, 4], 60 + 36 + 36 + 52);
    [Fact] public void SeparateKeyHarness() => MultiInputHarness.Run(() => new GroupQueryAttention(2, 3, 1, useBias: false), [[2, 4], [3, 5], [3, 6]], [2, 4], 24 + 12 + 10 + 24);
    [Fact] public void SelfAttentionHarness() => LayerHarness.Run(() => new GroupQueryAttention(2, 2, 1), [3, 4], [3, 4], 20 + 10 + 10 + 20);

    [Fact]
    public void WeightsHaveKerasNamesAndShapes()
    {
        var gqa = new GroupQueryAttention(headDim: 3, numQueryHeads: 4, numKeyValueHeads: 2, name: "gqa");
        gqa.Build(new Shape(7, 5), new Shape(9, 8));
        Assert.Equal(
            [
                ("gqa/query/kernel", new Shape(5, 4, 3)), ("gqa/query/bias", new Shape(4, 3)),
                ("gqa/key/kernel", new Shape(8, 2, 3)), ("gqa/key/bias", new Shape(2, 3)),
                ("gqa/value/kernel", new Shape(8, 2, 3)), ("gqa/value/bias", new Shape(2, 3)),
                ("gqa/attention_output/kernel", new Shape(4, 3, 5)), ("gqa/attention_output/bias", new Shape(5)),
            ],
            gqa.Parameters.Select(p => (p.Path, p.Shape)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AsManyKeyValueHeadsAsQueryHeadsIsMultiHeadAttention(bool causal)
    {
        RandomGenerator.SetGlobalSeed(3);
        var mha = new MultiHeadAttention(numHeads: 3, keyDim: 2);
        var gqa = new GroupQueryAttention(headDim: 2, numQueryHeads: 3, numKeyValueHeads: 3);
        var (query, value, key) = (GradCheck.Random(1, 2, 4, 5), GradCheck.Random(2, 2, 4, 6), GradCheck.Random(3, 2, 4, 3));
        var mask = Tensor.FromArray([.. Enumerable.Range(0, 32).Select(i => i % 3 == 1 ? 0f : 1f)], 2, 4, 4);
        mha.Build(new Shape(4, 5), new Shape(4, 6), new Shape(4, 3));
        gqa.Build(new Shape(4, 5), new Shape(4, 6), new Shape(4, 3));
        var rng = new RandomGenerator(4);
        foreach (var p in mha.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        gqa.SetWeights(mha.GetWeights());
        var (expected, expectedScores) = mha.CallWithScores(query, value, key, mask, useCausalMask: causal);
        var (actual, scores) = gqa.CallWithScores(query, value, key, mask, useCausalMask: causal);
        Assert.Equal(expectedScores.Shape, scores.Shape);
        AssertClose(expected.ToArray(), actual.ToArray(), 1e-6, "output");
        AssertClose(expectedScores.ToArray(), scores.ToArray(), 1e-6, "scores");
    }

    /// <summary>Shared key/value heads against the formula in double: query head h uses key/value head h / (Hq / Hkv).</summary>
    [Theory]
    [InlineData(4, 1, false)]
    [InlineData(4, 1, true)]
    [InlineData(4, 2, true)]
    [InlineData(6, 3, false)]
    public void SharedKeyValueHeadsAgreeWithANaiveLoop(int queryHeads, int keyValueHeads, bool causal)
    {
        const int B = 2, Tq = 3, Tv = 4, Fq = 5, Fk = 3, Fv = 6, D = 2;
        var gqa = new GroupQueryAttention(D, queryHeads, keyValueHeads);
        var (query, value, key) = (GradCheck.Random(1, B, Tq, Fq), GradCheck.Random(2, B, Tv, Fv), GradCheck.Random(3, B, Tv, Fk));
        var maskValues = new float[B * Tq * Tv];
        for (int i = 0; i < maskValues.Length; i++) maskValues[i] = i % 5 == 2 ? 0f : 1f;
        for (int j = 0; j < Tv; j++) maskValues[(1 * Tq + 2) * Tv + j] = 0f; // batch 1, query 2 sees nothing: zeros, output = bias
        var mask = Tensor.FromArray(maskValues, B, Tq, Tv);
        gqa.Build(new Shape(Tq, Fq), new Shape(Tv, Fv), new Shape(Tv, Fk));
        var rng = new RandomGenerator(6);
        foreach (var p in gqa.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        var (output, scores) = gqa.CallWithScores(query, value, key, mask, useCausalMask: causal);

        float[] W(string name) => gqa.Parameters.Single(p => p.Name == name).Value.ToArray();
        float[] wq = W("query/kernel"), bq = W("query/bias"), wk = W("key/kernel"), bk = W("key/bias"), wv = W("value/kernel"), bv = W("value/bias");
        float[] wo = W("attention_output/kernel"), bo = W("attention_output/bias");
        float[] q = query.ToArray(), k = key.ToArray(), v = value.ToArray();
        int repeats = queryHeads / keyValueHeads;
        var expected = new double[B * Tq * Fq];
        var expectedScores = new double[B * queryHeads * Tq * Tv];
        double Project(float[] x, int row, int features, float[] w, float[] b, int heads, int h, int d)
        {
            double s = b[h * D + d];
            for (int f = 0; f < features; f++) s += (double)x[row * features + f] * w[(f * heads + h) * D + d];
            return s;
        }
        for (int b = 0; b < B; b++)
            for (int i = 0; i < Tq; i++)
            {
                for (int f = 0; f < Fq; f++) expected[(b * Tq + i) * Fq + f] = bo[f];
                for (int h = 0; h < queryHeads; h++)
                {
                    int g = h / repeats;
                    var logits = new double[Tv];
                    var allowed = new bool[Tv];
                    for (int j = 0; j < Tv; j++)
                    {
                        allowed[j] = maskValues[(b * Tq + i) * Tv + j] != 0f && (!causal || j <= i);
                        for (int d = 0; d < D; d++)
                            logits[j] += Project(q, b * Tq + i, Fq, wq, bq, queryHeads, h, d) * Project(k, b * Tv + j, Fk, wk, bk, keyValueHeads, g, d);
                        logits[j] /= Math.Sqrt(D);
                    }
                    double max = double.NegativeInfinity, sum = 0;
                    for (int j = 0; j < Tv; j++) if (allowed[j]) max = Math.Max(max, logits[j]);
                    var p = new double[Tv];
                    for (int j = 0; j < Tv; j++) if (allowed[j]) sum += p[j] = Math.Exp(logits[j] - max);
                    for (int j = 0; j < Tv; j++)
                    {
                        p[j] = sum > 0 ? p[j] / sum : 0;
                        expectedScores[((b * queryHeads + h) * Tq + i) * Tv + j] = p[j];
                    }
                    for (int d = 0; d < D; d++)
                    {
                        double o = 0;
                        for (int j = 0; j < Tv; j++) o += p[j] * Project(v, b * Tv + j, Fv, wv, bv, keyValueHeads, g, d);
                        for (int f = 0; f < Fq; f++) expected[(b * Tq + i) * Fq + f] += o * wo[(h * D + d) * Fq + f];
                    }
                }
            }
        Assert.Equal(new Shape(B, queryHeads, Tq, Tv), scores.Shape);
        AssertClose(expected, output.ToArray(), 1e-5, "output");
        AssertClose(expectedScores, scores.ToArray(), 1e-5, "scores");
        for (int f = 0; f < Fq; f++) Assert.Equal(bo[f], output.ToArray()[(1 * Tq + 2) * Fq + f], 1e-6f);
    }

    [Fact]
    public void DropoutActsOnlyWhileTrainingAndRepeatsWithASeed()
    {
        var x = GradCheck.Random(1, 2, 5, 4);
        var gqa = new GroupQueryAttention(2, 4, 2, dropout: 0.5f, seed: 11);
        var inference = gqa.Call(x, x).ToArray();
        Assert.Equal(inference, gqa.Call(x, x).ToArray());
        Assert.NotEqual(inference, gqa.Call(x, x, training: true).ToArray());
        var again = new GroupQueryAttention(2, 4, 2, dropout: 0.5f, seed: 11);
        again.Build(new Shape(5, 4), new Shape(5, 4));
        again.SetWeights(gqa.GetWeights());
        var fresh = new GroupQueryAttention(2, 4, 2, dropout: 0.5f, seed: 11);
        fresh.Build(new Shape(5, 4), new Shape(5, 4));
        fresh.SetWeights(gqa.GetWeights());
        Assert.Equal(again.Call(x, x, training: true).ToArray(), fresh.Call(x, x, training: true).ToArray());
    }

    [Fact]
    public void KerasConfigKeysLoadUnderBothKerasNames()
    {
        var config = new GroupQueryAttention(8, 4, 2, name: "g").GetConfig();
        Assert.Equal(8, config["head_dim"]!.GetValue<int>());
        Assert.Equal(4, config["num_query_heads"]!.GetValue<int>());
        Assert.Equal(2, config["num_key_value_heads"]!.GetValue<int>());
        Assert.True(config["use_bias"]!.GetValue<bool>());
        Assert.Equal(0f, config["dropout"]!.GetValue<float>());
        // As Keras writes it: layer.get_config(), saved with class_name "GroupedQueryAttention".
        var keras = JsonNode.Parse("""
            {"name":"grouped_query_attention","trainable":true,"dtype":"float32","head_dim":16,"num_query_heads":8,"num_key_value_heads":2,
             "use_bias":false,"dropout":0.1,"kernel_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null}},
             "bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{}},"kernel_regularizer":null,"bias_regularizer":null,
             "activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null,"seed":null}
            """)!.AsObject();
        foreach (string className in new[] { "GroupQueryAttention", "GroupedQueryAttention" })
        {
            var layer = Assert.IsType<GroupQueryAttention>(LayerRegistry.Create(className, keras));
            Assert.Equal((16, 8, 2, false, 0.1f), (layer.HeadDim, layer.NumQueryHeads, layer.NumKeyValueHeads, layer.UseBias, layer.Dropout));
            Assert.Equal("GroupQueryAttention", layer.TypeName);
        }
        Assert.True(LayerRegistry.IsKnown("GroupedQueryAttention"));
        Assert.DoesNotContain("GroupedQueryAttention", LayerRegistry.KnownTypes);
    }

    [Fact]
    public void BadHeadsAndShapesAreRefusedNamingTheLayer()
    {
        var heads = Assert.Throws<ArgumentException>(() => new GroupQueryAttention(2, numQueryHeads: 4, numKeyValueHeads: 3));
        Assert.Contains("num_query_heads (4)", heads.Message);
        Assert.Contains("num_key_value_heads (3)", heads.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupQueryAttention(0, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupQueryAttention(2, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupQueryAttention(2, 2, 1, dropout: 1f));
        Assert.Contains("flash", Assert.Throws<ArgumentException>(() => new GroupQueryAttention(2, 2, 1, flashAttention: true)).Message);
        _ = new GroupQueryAttention(2, 2, 1, flashAttention: false);

        var gqa = new GroupQueryAttention(2, 2, 1, name: "attn");
        var q = GradCheck.Random(1, 2, 3, 4);
        var e = Assert.Throws<ShapeMismatchException>(() => gqa.Call(q, GradCheck.Random(2, 2, 5, 4), GradCheck.Random(3, 2, 6, 4)));
        Assert.Contains("'attn'", e.Message);
        Assert.Contains("(None, 6, 4)", e.Message);
        var m = Assert.Throws<ShapeMismatchException>(() => gqa.Call(q, q, attentionMask: Tensor.Ones(2, 3)));
        Assert.Contains("'attn'", m.Message);
        Assert.Contains("(2, 3, 3)", m.Message);
        var r = Assert.Throws<ShapeMismatchException>(() => new GroupQueryAttention(2, 2, 1, name: "flat").Call(GradCheck.Random(1, 2, 4), GradCheck.Random(2, 2, 4)));
        Assert.Contains("'flat'", r.Message);
        Assert.Contains("GroupQueryAttention", r.Message);
        Assert.Throws<ArgumentException>(() => gqa.Call([q, q, q, q]));
        Assert.Equal(gqa.Call(q, q).ToArray(), gqa.Call([q]).ToArray()); // one input: self-attention
        foreach (string json in new[] { """{"name":"g","head_dim":2,"num_query_heads":4,"num_key_value_heads":3}""",
                     """{"name":"g","head_dim":2,"num_query_heads":4}""", """{"name":"g","head_dim":2,"num_query_heads":4,"num_key_value_heads":2,"flash_attention":true}""" })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("GroupQueryAttention", JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void SelfAttentionModelTrainsSavesLoadsAndExportsToOnnx()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = SelfAttention();
        var x = Tensor.RandomUniform(new Shape(16, 4, 3), -1f, 1f, new RandomGenerator(8));
        var y = Tensor.RandomUniform(new Shape(16, 2), -0.5f, 0.5f, new RandomGenerator(9));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 8, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.Contains("gqa_self (GroupQueryAttention)", model.Summary(_ => { }));

        string path = _temp.File("gqa.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "GroupQueryAttention, self-attention");
    }

    [Fact]
    public void FunctionalCallsWithCausalAndAttentionMasksSaveLoadAndExportToOnnx()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = CrossAttention();
        var query = Tensor.RandomUniform(new Shape(2, 3, 4), -1f, 1f, new RandomGenerator(1));
        var value = Tensor.RandomUniform(new Shape(2, 5, 6), -1f, 1f, new RandomGenerator(2));
        var mask = Tensor.FromArray([.. Enumerable.Range(0, 30).Select(i => i % 4 == 3 ? 0f : 1f)], 2, 3, 5);
        var expected = model.Call([query, value, mask])[0].ToArray();

        string path = _temp.File("gqa_functional.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(expected, loaded.Call([query, value, mask])[0].ToArray());
        OnnxRunner.AssertMatches(model, [query, value, mask], "GroupQueryAttention, causal and cross-attention");
    }

    private static void AssertClose(IReadOnlyList<double> expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what} element {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what) =>
        AssertClose(expected.Select(v => (double)v).ToArray(), actual, tolerance, what);
}
