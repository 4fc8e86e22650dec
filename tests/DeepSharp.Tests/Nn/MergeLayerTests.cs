using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's merge layers Subtract, Average, Maximum, Minimum (broadcasting as Keras's merges) and Dot:
/// the harness (shape, config round trip, finite-difference gradients), values against plain loops,
/// the tie rule of Maximum/Minimum, shape errors naming the layer, files, Summary and ONNX Runtime.
/// </summary>
public class MergeLayerTests
{
    [Fact] public void Subtract() => MergeHarness.Run(() => new Subtract(), [[4, 3], [4, 3]], [4, 3]);
    [Fact] public void SubtractBroadcastsASizeOneAxis() => MergeHarness.Run(() => new Subtract(), [[4, 3], [1, 3]], [4, 3]);
    [Fact] public void SubtractBroadcastsALowerRank() => MergeHarness.Run(() => new Subtract(), [[3], [2, 3]], [2, 3]);
    [Fact] public void Average() => MergeHarness.Run(() => new Average(), [[5], [5], [5]], [5]);
    [Fact] public void AverageBroadcasts() => MergeHarness.Run(() => new Average(), [[2, 1], [1, 3], [3]], [2, 3]);
    [Fact] public void Maximum() => MergeHarness.Run(() => new Maximum(), [[2, 3], [2, 3], [2, 3]], [2, 3]);
    [Fact] public void MaximumBroadcasts() => MergeHarness.Run(() => new Maximum(), [[2, 3], [3]], [2, 3]);
    [Fact] public void Minimum() => MergeHarness.Run(() => new Minimum(), [[6], [6]], [6]);
    [Fact] public void MinimumBroadcasts() => MergeHarness.Run(() => new Minimum(), [[2, 1], [2, 4]], [2, 4]);
    [Fact] public void DotOfVectors() => MergeHarness.Run(() => new Dot(axes: 1), [[5], [5]], [1]);
    [Fact] public void DotOfSequencesAlongFeatures() => MergeHarness.Run(() => new Dot(axes: 2), [[3, 4], [2, 4]], [3, 2]);
    [Fact] public void DotAlongOtherAxes() => MergeHarness.Run(() => new Dot((1, 2)), [[3, 4], [2, 3]], [4, 2]);
    [Fact] public void DotOfRank3AndRank2() => MergeHarness.Run(() => new Dot(axes: -1), [[2, 3, 4], [4]], [2, 3]);
    [Fact] public void DotNormalized() => MergeHarness.Run(() => new Dot(axes: -1, normalize: true), [[3, 4], [2, 4]], [3, 2]);

    [Fact]
    public void ValuesMatchPlainLoopsWithBroadcasting()
    {
        var a = GradCheck.Random(1, 2, 3, 4);   // (B, 3, 4)
        var b = GradCheck.Random(2, 2, 1, 4);   // (B, 1, 4)
        var c = GradCheck.Random(3, 2, 4);      // (B, 4): aligned to (B, 1, 4), as Keras expands after the batch axis
        var diff = new Subtract().Call([a, c]).ToArray();
        var mean = new Average().Call([a, b, c]).ToArray();
        var max = new Maximum().Call([a, b, c]).ToArray();
        var min = new Minimum().Call([a, b, c]).ToArray();
        var (av, bv, cv) = (a.ToArray(), b.ToArray(), c.ToArray());
        for (int n = 0; n < 2; n++)
            for (int t = 0; t < 3; t++)
                for (int f = 0; f < 4; f++)
                {
                    int i = (n * 3 + t) * 4 + f;
                    float x = av[i], y = bv[n * 4 + f], z = cv[n * 4 + f];
                    Assert.Equal(x - z, diff[i]);
                    Assert.Equal((x + y + z) / 3, mean[i], 6);
                    Assert.Equal(Math.Max(x, Math.Max(y, z)), max[i]);
                    Assert.Equal(Math.Min(x, Math.Min(y, z)), min[i]);
                }
    }

    [Fact]
    public void DotMatchesPlainLoops()
    {
        var a = GradCheck.Random(1, 2, 3, 4);
        var b = GradCheck.Random(2, 2, 5, 4);
        var y = new Dot(axes: 2).Call([a, b]);
        var cos = new Dot(axes: 2, normalize: true).Call([a, b]);
        Assert.Equal(new Shape(2, 3, 5), y.Shape);
        var (av, bv, yv, cv) = (a.ToArray(), b.ToArray(), y.ToArray(), cos.ToArray());
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++)
                {
                    double dot = 0, na = 0, nb = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        double p = av[(n * 3 + i) * 4 + k], q = bv[(n * 5 + j) * 4 + k];
                        dot += p * q; na += p * p; nb += q * q;
                    }
                    Assert.Equal(dot, yv[(n * 3 + i) * 5 + j], 5);
                    Assert.Equal(dot / Math.Sqrt(na * nb), cv[(n * 3 + i) * 5 + j], 5);
                }
    }

    [Fact]
    public void TiedInputsShareTheGradientEqually()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 5f], 1, 4);
        var b = Tensor.FromArray([1f, 0f, 3f, 5f], 1, 4);
        var c = Tensor.FromArray([1f, 0f, 4f, 5f], 1, 4);
        foreach (var t in new[] { a, b, c }) t.RequiresGrad = true;
        Ops.Sum(new Maximum().Call([a, b, c])).Backward();
        Assert.Equal([1f / 3, 1f, 0f, 1f / 3], a.Grad!.ToArray());
        Assert.Equal([1f / 3, 0f, 0f, 1f / 3], b.Grad!.ToArray());
        Assert.Equal([1f / 3, 0f, 1f, 1f / 3], c.Grad!.ToArray());

        foreach (var t in new[] { a, b }) t.Grad = null;
        Ops.Sum(new Minimum().Call([a, b])).Backward();   // two tied inputs: half each, as torch.minimum
        Assert.Equal([0.5f, 0f, 0.5f, 0.5f], a.Grad!.ToArray());
        Assert.Equal([0.5f, 1f, 0.5f, 0.5f], b.Grad!.ToArray());
    }

    [Fact]
    public void ABroadcastInputReceivesTheSumOverItsStretchedAxis()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 1, 2, 3);
        var b = Tensor.FromArray([10f, 20f, 30f], 1, 3);
        a.RequiresGrad = b.RequiresGrad = true;
        Ops.Sum(new Subtract().Call([a, b])).Backward();
        Assert.Equal([-2f, -2f, -2f], b.Grad!.ToArray());
        Assert.All(a.Grad!.ToArray(), g => Assert.Equal(1f, g));
    }

    [Fact]
    public void NaNPropagatesThroughMaximumAndMinimum()
    {
        var a = Tensor.FromArray([float.NaN, 1f], 1, 2);
        var b = Tensor.FromArray([0f, float.NaN], 1, 2);
        Assert.All(new Maximum().Call([a, b]).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(new Minimum().Call([a, b]).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void ShapeErrorsNameTheLayerAndTheShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new Maximum(name: "peak").ComputeOutputShape([new Shape(4, 3), new Shape(2, 3)]));
        Assert.Contains("'peak' (Maximum)", e.Message);
        Assert.Contains("(None, 4, 3)", e.Message);
        Assert.Contains("(None, 2, 3)", e.Message);
        var three = Assert.Throws<ArgumentException>(() => new Subtract(name: "diff").ComputeOutputShape([new Shape(3), new Shape(3), new Shape(3)]));
        Assert.Contains("'diff' (Subtract) takes exactly 2 inputs; got 3", three.Message);
        var dot = Assert.Throws<ShapeMismatchException>(() => new Dot(axes: -1, name: "score").ComputeOutputShape([new Shape(3, 4), new Shape(3, 5)]));
        Assert.Contains("'score' (Dot)", dot.Message);
        Assert.Contains("4 vs 5", dot.Message);
        var outside = Assert.Throws<ShapeMismatchException>(() => new Dot(axes: 3).ComputeOutputShape([new Shape(4), new Shape(4)]));
        Assert.Contains("axis 3 is outside", outside.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dot(axes: 0));
        Assert.Throws<ShapeMismatchException>(() => new Subtract().Call([GradCheck.Random(1, 2, 3), GradCheck.Random(2, 3, 3)]));
    }

    [Fact]
    public void DotConfigUsesKerasKeys()
    {
        var one = new Dot(axes: 2).GetConfig();
        Assert.Equal(2, (int)one["axes"]!);
        Assert.False((bool)one["normalize"]!);
        var pair = new Dot((1, 2), normalize: true).GetConfig();
        Assert.Equal("[1,2]", pair["axes"]!.ToJsonString());
        Assert.True((bool)pair["normalize"]!);
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dot", new System.Text.Json.Nodes.JsonObject { ["name"] = "d", ["axes"] = new System.Text.Json.Nodes.JsonArray(1, 2, 3) }));
        Assert.Contains("'d' (Dot)", e.Message);
        Assert.Contains("axes", e.Message);
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dot", new System.Text.Json.Nodes.JsonObject { ["axes"] = 0 }));
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dot", []));
    }

    /// <summary>A Siamese-style graph that uses every merge layer here.</summary>
    internal static Model MergeModel()
    {
        RandomGenerator.SetGlobalSeed(5);
        var a = Model.Input([3, 4], name: "a");
        var b = Model.Input([4], name: "b");
        var ha = new Dense(4, Activation.Tanh).Call(a);
        var hb = new Dense(4, Activation.Tanh).Call(b);
        var diff = new Subtract().Call(ha, hb);                       // (3, 4) − (4): b aligned after the batch axis
        var mean = new Average().Call(ha, hb, diff);
        var peak = new Maximum().Call(ha, diff);
        var low = new Minimum().Call(mean, hb);
        var scores = new Dot(axes: 2).Call(peak, low);                // (3, 3)
        var cosine = new Dot((1, 1), normalize: true).Call(ha, mean); // (4, 4)
        var flatScores = new Flatten().Call(scores);
        var vector = new Dot(axes: 1).Call(flatScores, new Dense(9).Call(new Flatten().Call(cosine)));   // (1)
        return new Functional([a, b], [new Dense(2).Call(new Concatenate().Call(flatScores, vector))]);
    }

    private static Tensor[] Inputs() => [GradCheck.Random(11, 2, 3, 4), GradCheck.Random(12, 2, 4)];

    [Fact]
    public void AModelOfMergesSavesLoadsAndSummarizes()
    {
        var model = MergeModel();
        var inputs = Inputs();
        var expected = model.Call(inputs)[0].ToArray();
        using var folder = new TempFolder();
        string path = folder.File("merges.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(expected, loaded.Call(inputs)[0].ToArray());
        var types = loaded.Layers.Select(l => l.TypeName).ToHashSet();
        Assert.Subset(types, new HashSet<string> { "Subtract", "Average", "Maximum", "Minimum", "Dot" });
        string summary = model.Summary(_ => { });
        Assert.Contains("subtract (Subtract)", summary);
        Assert.Contains("dot (Dot)", summary);
        Assert.Contains("(None, 3, 3)", summary);
    }

    [Fact]
    public void AModelOfMergesRunsTheSameInOnnxRuntime() => OnnxRunner.AssertMatches(MergeModel(), Inputs(), "merges");

    [Fact]
    public void ATrainingStepLowersTheLoss()
    {
        var model = MergeModel();
        model.Compile(new DeepSharp.Optimizers.Adam(0.01f), new DeepSharp.Losses.MeanSquaredError());
        var inputs = Inputs();
        var target = GradCheck.Random(13, 2, 2);
        var before = model.Evaluate(inputs, [target], verbose: 0)["loss"];
        model.Fit(inputs, [target], batchSize: 2, epochs: 5, verbose: 0);
        Assert.True(model.Evaluate(inputs, [target], verbose: 0)["loss"] < before);
    }

    /// <summary>The models here, for the test that each registered layer type exports.</summary>
    public static IEnumerable<Model> Samples() => [MergeModel()];
}
