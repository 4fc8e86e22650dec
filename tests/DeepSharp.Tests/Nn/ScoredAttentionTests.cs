using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's Attention (Luong: dot and concat score modes, use_scale) and AdditiveAttention (Bahdanau):
/// the harness (shape, weights, config round trip, finite-difference gradients of inputs and weights,
/// a training step), values against plain loops with Keras's mask rules, files, Summary and ONNX Runtime.
/// </summary>
public class ScoredAttentionTests
{
    [Fact] public void DotWithScale() => MultiInputHarness.Run(() => new Attention(useScale: true), [[3, 4], [5, 4]], [3, 4], 1);
    [Fact] public void DotWithKey() => MultiInputHarness.Run(() => new Attention(useScale: true), [[3, 4], [5, 6], [5, 4]], [3, 6], 1);
    [Fact] public void Concat() => MultiInputHarness.Run(() => new Attention(scoreMode: AttentionScoreMode.Concat), [[3, 4], [5, 4]], [3, 4], 1);
    [Fact] public void ConcatWithScale() => MultiInputHarness.Run(() => new Attention(true, AttentionScoreMode.Concat), [[2, 3], [4, 3]], [2, 3], 2);
    [Fact] public void Additive() => MultiInputHarness.Run(() => new AdditiveAttention(), [[3, 4], [5, 4]], [3, 4], 4);
    [Fact] public void AdditiveWithKey() => MultiInputHarness.Run(() => new AdditiveAttention(), [[2, 3], [4, 5], [4, 3]], [2, 5], 3);

    [Fact]
    public void AdditiveWithoutScaleHasNoWeights()
    {
        var layer = new AdditiveAttention(useScale: false);
        var q = GradCheck.Random(1, 2, 3, 4);
        var v = GradCheck.Random(2, 2, 5, 4);
        Assert.Equal(new Shape(2, 3, 4), layer.Call([q, v]).Shape);
        Assert.Equal(0, layer.ParameterCount);
        GradCheck.Check(t => layer.Call([t[0], t[1]]), [q, v], epsilon: 1e-3f);
    }

    /// <summary>Keras's rules, element by element: scores, −1e9 on hidden keys, softmax, weighted values, query mask.</summary>
    private static float[] Reference(Func<float[], float[], float> score, float[] q, float[] k, float[] v, int batch, int tq, int tv, int d, int dv,
        float[]? queryMask, float[]? valueMask, bool causal)
    {
        var y = new float[batch * tq * dv];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < tq; i++)
            {
                var s = new double[tv];
                for (int j = 0; j < tv; j++)
                {
                    s[j] = score(q.AsSpan((b * tq + i) * d, d).ToArray(), k.AsSpan((b * tv + j) * d, d).ToArray());
                    bool seen = (valueMask is null || valueMask[b * tv + j] != 0) && (!causal || j <= i);
                    if (!seen) s[j] = (float)s[j] - 1e9f;   // in float32, as Keras and DeepSharp: a fully hidden row becomes uniform
                }
                double max = s.Max(), sum = s.Sum(x => Math.Exp(x - max));
                for (int c = 0; c < dv; c++)
                {
                    double acc = 0;
                    for (int j = 0; j < tv; j++) acc += Math.Exp(s[j] - max) / sum * v[(b * tv + j) * dv + c];
                    y[(b * tq + i) * dv + c] = (float)(queryMask is null || queryMask[b * tq + i] != 0 ? acc : 0);
                }
            }
        return y;
    }

    private static void AssertClose(float[] want, float[] got)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) <= 1e-5 + 1e-5 * Math.Abs(want[i]), $"element {i}: want {want[i]}, got {got[i]}");
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    public void DotValuesFollowKerasMaskRules(bool valueMask, bool causal, bool queryMask)
    {
        const int batch = 2, tq = 4, tv = 4, d = 3;
        var q = GradCheck.Random(1, batch, tq, d);
        var v = GradCheck.Random(2, batch, tv, d);
        float[] vm = [1, 1, 0, 1, 0, 0, 0, 0];   // the second sample hides every key: its queries average every value, as in Keras
        float[] qm = [1, 0, 1, 1, 1, 1, 0, 1];
        var layer = new Attention();
        var y = layer.Call(q, v, queryMask: queryMask ? Tensor.FromArray(qm, batch, tq) : null,
            valueMask: valueMask ? Tensor.FromArray(vm, batch, tv) : null, useCausalMask: causal);
        var want = Reference((a, b) => a.Zip(b, (x, z) => x * z).Sum(), q.ToArray(), v.ToArray(), v.ToArray(), batch, tq, tv, d, d,
            queryMask ? qm : null, valueMask ? vm : null, causal);
        AssertClose(want, y.ToArray());
    }

    [Fact]
    public void ConcatAndAdditiveValuesMatchPlainLoops()
    {
        const int batch = 2, tq = 3, tv = 4, d = 2;
        var q = GradCheck.Random(1, batch, tq, d);
        var k = GradCheck.Random(2, batch, tv, d);
        var v = GradCheck.Random(3, batch, tv, 3);
        int[] mask = [1, 1, 1, 0, 1, 0, 1, 1];
        var concat = new Attention(true, AttentionScoreMode.Concat);
        var y = concat.Call(q, v, k, valueMask: Tensor.FromArray(mask, batch, tv));
        concat.Scale!.Value.Span[0] = 0.7f;
        concat.ConcatScoreWeight!.Value.Span[0] = -1.3f;
        y = concat.Call(q, v, k, valueMask: Tensor.FromArray(mask, batch, tv));
        var fm = mask.Select(m => (float)m).ToArray();
        var want = Reference((a, b) => -1.3f * a.Zip(b, (x, z) => MathF.Tanh(0.7f * (x + z))).Sum(), q.ToArray(), k.ToArray(), v.ToArray(), batch, tq, tv, d, 3, null, fm, false);
        AssertClose(want, y.ToArray());

        var additive = new AdditiveAttention();
        var ya = additive.Call(q, v, k, useCausalMask: true);
        var scale = additive.Scale!.Value.ToArray();
        want = Reference((a, b) => Enumerable.Range(0, d).Sum(i => scale[i] * MathF.Tanh(a[i] + b[i])), q.ToArray(), k.ToArray(), v.ToArray(), batch, tq, tv, d, 3, null, null, true);
        AssertClose(want, ya.ToArray());
    }

    [Fact]
    public void GradientsFlowThroughMasksAndScale()
    {
        var layer = new Attention(useScale: true);
        var mask = Tensor.FromArray([1f, 0f, 1f, 1f, 1f, 1f, 1f, 0f], 2, 4);
        var q = GradCheck.Random(1, 2, 3, 4);
        var v = GradCheck.Random(2, 2, 4, 4);
        layer.Call(q, v);
        GradCheck.Check(t => layer.Call(t[0], t[1], valueMask: mask, useCausalMask: true), [q, v, layer.Scale!.Value], epsilon: 1e-3f);
    }

    [Fact]
    public void ScoresAreTheAttentionWeights()
    {
        var layer = new Attention();
        var (output, scores) = layer.CallWithScores(GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 5, 4), useCausalMask: true);
        Assert.Equal(new Shape(2, 3, 4), output.Shape);
        Assert.Equal(new Shape(2, 3, 5), scores.Shape);
        var w = scores.ToArray();
        for (int row = 0; row < 6; row++)
        {
            Assert.Equal(1.0, w.AsSpan(row * 5, 5).ToArray().Sum(), 5);
            for (int j = row % 3 + 1; j < 5; j++) Assert.Equal(0f, w[row * 5 + j]);   // causal: query i sees keys j ≤ i
        }
    }

    [Fact]
    public void DropoutActsOnlyWhileTraining()
    {
        var layer = new Attention(dropout: 0.5f, seed: 3);
        var q = GradCheck.Random(1, 2, 3, 4);
        var v = GradCheck.Random(2, 2, 5, 4);
        var plain = new Attention().Call(q, v).ToArray();
        Assert.Equal(plain, layer.Call(q, v).ToArray());
        Assert.NotEqual(plain, layer.Call(q, v, training: true).ToArray());
    }

    [Fact]
    public void ErrorsNameTheLayer()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new Attention(name: "att").Call(GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 5, 3)));
        Assert.Contains("'att' (Attention)", e.Message);
        var m = Assert.Throws<ShapeMismatchException>(() => new AdditiveAttention(name: "add").Call(GradCheck.Random(1, 2, 3, 4), GradCheck.Random(2, 2, 5, 4),
            valueMask: Tensor.Ones(2, 3)));
        Assert.Contains("'add' (AdditiveAttention) expects value_mask", m.Message);
        Assert.Throws<ArgumentException>(() => new Attention().Call([GradCheck.Random(1, 2, 3, 4)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Attention(dropout: 1f));
        var bad = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Attention", new JsonObject { ["name"] = "a", ["score_mode"] = "cosine" }));
        Assert.Contains("'a' (Attention)", bad.Message);
        Assert.Contains("score_mode", bad.Message);
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("AdditiveAttention", new JsonObject { ["dropout"] = 2.5 }));
    }

    [Fact]
    public void ConfigsUseKerasKeys()
    {
        var a = new Attention(true, AttentionScoreMode.Concat, 0.1f).GetConfig();
        Assert.True((bool)a["use_scale"]!);
        Assert.Equal("concat", (string?)a["score_mode"]);
        Assert.Equal(0.1f, (float)a["dropout"]!);
        var b = new AdditiveAttention().GetConfig();
        Assert.True((bool)b["use_scale"]!);
        Assert.Null(b["score_mode"]);
        Assert.False((bool)LayerRegistry.Create("Attention", new JsonObject()).GetConfig()["use_scale"]!);
    }

    /// <summary>A translation-style graph: a decoder's causal self-attention, then cross-attention to the encoder with masks.</summary>
    internal static Model AttentionModel(bool withScores = false)
    {
        RandomGenerator.SetGlobalSeed(9);
        var source = Model.Input([5, 4], name: "source");
        var target = Model.Input([3, 4], name: "target");
        var sourceMask = Model.Input([5], name: "source_mask");
        var targetMask = Model.Input([3], name: "target_mask");
        var self = new Attention(useScale: true).Call(target, target, useCausalMask: true);
        var keys = new Dense(4).Call(source);
        var cross = new AdditiveAttention().Call(self, source, keys, queryMask: targetMask, valueMask: sourceMask);
        var luong = new Attention(true, AttentionScoreMode.Concat);
        if (withScores)
        {
            var (output, scores) = luong.CallWithScores(cross, source, valueMask: sourceMask);
            return new Functional([source, target, sourceMask, targetMask], [new Dense(2).Call(output), scores]);
        }
        return new Functional([source, target, sourceMask, targetMask], [new Dense(2).Call(luong.Call(cross, source, valueMask: sourceMask))]);
    }

    private static Tensor[] Inputs() =>
    [
        GradCheck.Random(21, 2, 5, 4), GradCheck.Random(22, 2, 3, 4),
        Tensor.FromArray([1f, 1f, 1f, 0f, 0f, 1f, 1f, 1f, 1f, 1f], 2, 5), Tensor.FromArray([1f, 1f, 0f, 1f, 1f, 1f], 2, 3),
    ];

    [Fact]
    public void AModelSavesLoadsAndSummarizes()
    {
        var model = AttentionModel(withScores: true);
        var inputs = Inputs();
        var expected = model.Call(inputs);
        using var folder = new TempFolder();
        string path = folder.File("attention.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var actual = loaded.Call(inputs);
        Assert.Equal(expected[0].ToArray(), actual[0].ToArray());
        Assert.Equal(expected[1].ToArray(), actual[1].ToArray());
        Assert.Equal(new Shape(2, 3, 5), actual[1].Shape);
        string summary = model.Summary(_ => { });
        Assert.Contains("additive_attention (AdditiveAt…", summary);   // cut to the column, as Keras's table
        Assert.Contains("(None, 3, 5)", summary);                       // the scores, a second output
        Assert.Contains("attention (Attention)", summary);
    }

    [Fact]
    public void AModelTrains()
    {
        var model = AttentionModel();
        model.Compile(new DeepSharp.Optimizers.Adam(0.01f), new DeepSharp.Losses.MeanSquaredError());
        var inputs = Inputs();
        var target = GradCheck.Random(23, 2, 3, 2);
        double before = model.Evaluate(inputs, [target])["loss"];
        model.Fit(inputs, [target], batchSize: 2, epochs: 5, verbose: 0);
        Assert.True(model.Evaluate(inputs, [target])["loss"] < before);
    }

    [Fact]
    public void AModelRunsTheSameInOnnxRuntime() => OnnxRunner.AssertMatches(AttentionModel(), Inputs(), "attention");

    /// <summary>The models here, for the test that each registered layer type exports.</summary>
    public static IEnumerable<Model> Samples() => [AttentionModel()];
}
